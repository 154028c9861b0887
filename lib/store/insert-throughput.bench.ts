// Insert throughput of the chDB store: 10k realistic spans (chat messages of ~5 KB input and ~5 KB
// output each, traces of 10 spans) in ONE call, through Store.insertSpans and through the span writer
// (complete spans, then Langfuse-style pieces: 5k spans × 2 pieces). Run:
//   node lib/store/insert-throughput.bench.ts [spans]
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpanEnvelope } from "../span/envelope.ts";
import type { CanonicalSpan } from "../span/types.ts";
import { openStore } from "./index.ts";
import { createSpanWriter } from "./span-writer.ts";
import { llmSpan, makeSpan, spanIdOf } from "./testing.ts";

const SPANS = Number(process.argv[2] ?? 10_000);
const words = "the quick brown fox jumps over a lazy dog while the model thinks about tokens and costs".split(" ");
const text = (bytes: number): string => {
  let s = "";
  while (s.length < bytes) s += `${words[Math.floor(Math.random() * words.length)]} `;
  return s.slice(0, bytes);
};

function realisticSpans(project: string, n: number): CanonicalSpan[] {
  const spans: CanonicalSpan[] = [];
  let traceId = "";
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) traceId = randomBytes(16).toString("hex");
    const base = { project_id: project, trace_id: traceId, span_id: spanIdOf(i % 10), startMs: i, session_id: `s-${i % 97}`, user_id: `u-${i % 13}` };
    spans.push(
      i % 10 === 0
        ? makeSpan({ ...base, kind: "agent", name: "invoke_agent", durationMs: 2000, tags: ["bench"], environment: "production" })
        : llmSpan({
            ...base,
            parent_span_id: spanIdOf(0),
            durationMs: 800,
            input: [
              { role: "system", content: text(1000) },
              { role: "user", content: text(4000) },
            ],
            output: [{ role: "assistant", content: text(5000) }],
            model_parameters: { temperature: 0.2, max_tokens: 1024 },
            attributes: { "gen_ai.request.model": "gpt-4o", "http.route": "/v1/chat/completions" },
          }),
    );
  }
  return spans;
}

const dataDir = await mkdtemp(join(tmpdir(), "tracerelay-bench-"));
const store = await openStore({ dataDir });
const report = (label: string, envelopes: number, ms: number, bytes: number) =>
  console.log(
    `${label.padEnd(40)} ${envelopes} envelopes in ${ms.toFixed(0)} ms = ${Math.round((envelopes / ms) * 1000)}/s, ${(((bytes / ms) * 1000) / 1e6).toFixed(1)} MB/s of span JSON`,
  );

try {
  const spans = realisticSpans("bench", SPANS);
  const bytes = spans.reduce((sum, s) => sum + JSON.stringify(s).length, 0);
  console.log(`${SPANS} spans, ${(bytes / 1e6).toFixed(1)} MB of canonical JSON (${Math.round(bytes / SPANS)} B/span)`);

  let t = performance.now();
  await store.insertSpans(spans);
  report("Store.insertSpans", SPANS, performance.now() - t, bytes);

  const writer = createSpanWriter(store);
  const envelopes: SpanEnvelope[] = realisticSpans("bench-writer", SPANS).map((span) => ({ span }));
  t = performance.now();
  await writer.write(envelopes);
  report("SpanWriter.write (complete spans)", SPANS, performance.now() - t, bytes);

  const pieced: SpanEnvelope[] = realisticSpans("bench-pieces", SPANS / 2).flatMap((span, i) => [
    { span: { ...span, output: undefined, usage: undefined }, piece: { id: `c${i}`, order: 1, seq: 0, fields: ["name", "kind", "start_time", "input", "model"] } },
    { span, piece: { id: `u${i}`, order: 2, seq: 1, fields: ["end_time", "output", "usage", "cost"] } },
  ]);
  t = performance.now();
  await createSpanWriter(store).write(pieced);
  report(`SpanWriter.write (${SPANS / 2} spans × 2 pieces)`, SPANS, performance.now() - t, bytes);

  const [row] = await store.sql.query<{ n: number | string }>("SELECT count() AS n FROM spans FINAL");
  console.log(`rows in spans FINAL: ${row.n}`);
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
