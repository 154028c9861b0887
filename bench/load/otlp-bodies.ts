// Pre-encoded OTLP/HTTP protobuf request bodies for load tests, with cheap per-send unique ids.
// Encoding LLM traffic costs far more CPU than sending it, and the load generator shares the 2-core
// machine with the server under test; so a pool of template bodies is encoded once and, per send,
// the first 4 bytes of every trace/span id are overwritten with a sequence number (all occurrences of
// one id get the same stamp, so parent links stay intact and ids stay unique across sends).
import { decodeOtlpTraces } from "../../services/ingest/otlp/decode.ts";
import { encodeOtlpProtobuf } from "../../services/ingest/otlp/testing.ts";
import { LlmTraffic } from "./llm-traffic.ts";

export interface BodyTemplate {
  body: Buffer;
  spans: number;
  /** Byte offsets of every id occurrence (trace ids, span ids, parent ids) inside `body`. */
  idOffsets: number[];
}

export function buildTemplates(count: number, spansPerRequest: number, seed = 42): BodyTemplate[] {
  const traffic = new LlmTraffic(seed);
  const templates: BodyTemplate[] = [];
  for (let i = 0; i < count; i++) {
    const json = traffic.request(spansPerRequest);
    const body = encodeOtlpProtobuf(decodeOtlpTraces(Buffer.from(JSON.stringify(json)), "application/json"));
    const ids = new Set<string>();
    for (const s of json.resourceSpans[0].scopeSpans[0].spans) {
      ids.add(s.traceId);
      ids.add(s.spanId);
    }
    const idOffsets: number[] = [];
    for (const id of ids) {
      const needle = Buffer.from(id, "hex");
      for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) idOffsets.push(at);
    }
    templates.push({ body, spans: json.resourceSpans[0].scopeSpans[0].spans.length, idOffsets });
  }
  return templates;
}

/** A copy of the template whose ids are unique to `seq`. */
export function stamp(template: BodyTemplate, seq: number): Buffer {
  const out = Buffer.from(template.body);
  for (const at of template.idOffsets) out.writeUInt32BE(seq >>> 0, at);
  return out;
}
