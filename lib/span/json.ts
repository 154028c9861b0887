// A span's JSON text, remembered from where it was parsed (a bus record) so that destinations which
// send canonical spans as they are (webhook, s3) and the delivery helper's batch sizing do not
// re-encode what they just decoded: with several destinations, the JSON.stringify per span per
// destination was a fifth of the deliver side's CPU. Spans are never mutated after parsing (mappers
// are pure), so the remembered text stays exact; a span with none is encoded once on demand.
import type { CanonicalSpan } from "./types.ts";

const texts = new WeakMap<CanonicalSpan, string>();

/** Parses a span from its JSON text and remembers the text. */
export function parseSpanJson(text: string): CanonicalSpan {
  const span = JSON.parse(text) as CanonicalSpan;
  if (span !== null && typeof span === "object") texts.set(span, text);
  return span;
}

/** The span's JSON text: the remembered one, else JSON.stringify (then remembered). */
export function spanJson(span: CanonicalSpan): string {
  let text = texts.get(span);
  if (text === undefined) {
    text = JSON.stringify(span);
    texts.set(span, text);
  }
  return text;
}
