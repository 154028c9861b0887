// Test support (not used at runtime): Langfuse's published contract, a stand-in for its answers, and
// one sample trace (agent root, generation, tool) both modes' tests map.
//
// validateIngestionBody checks one `POST /api/public/ingestion` body against the OpenAPI spec copied in
// /work/shared/contracts/langfuse/openapi.yml (loaded with `yaml`, compiled with ajv; `nullable` is
// OpenAPI's and ajv understands it). Two things the spec alone would not catch or gets wrong:
// - misnamed fields: no spec object forbids unknown keys, so `session_id` for `sessionId` would pass;
//   each event and its body are also checked with `unevaluatedProperties: false` (draft 2019-09, which
//   sees through the spec's allOf chains), so a field the spec does not name fails the test;
// - the server-only types (agent/tool/chain/retriever/evaluator/embedding/guardrail-create) are not in
//   the spec's union; the server validates their body as CreateGenerationBody (NOTES.md §2.2), so they
//   are checked as generation-create events;
// - MapValue is a oneOf of integer | number | …, which no integer can satisfy (it matches two branches);
//   the server's union accepts it, so MapValue is read as anyOf.
import { readFileSync } from "node:fs";
import { Ajv2019, type ValidateFunction } from "ajv/dist/2019.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";
import { llmSpan, makeSpan } from "../../lib/store/testing.ts";
import type { ReceivedRequest, ScriptedResponse } from "../_testkit/contract-server.ts";

export const CONTRACT_DIR = "/work/shared/contracts/langfuse";
const BASE = "https://tracerelay.test/langfuse-openapi.json";

/** Event type → [event schema, body schema] in the spec's components. */
const EVENT_SCHEMAS: Record<string, [string, string]> = {
  "trace-create": ["TraceEvent", "TraceBody"],
  "span-create": ["CreateSpanEvent", "CreateSpanBody"],
  "event-create": ["CreateEventEvent", "CreateEventBody"],
  "generation-create": ["CreateGenerationEvent", "CreateGenerationBody"],
};
export const SERVER_ONLY_TYPES = ["agent", "tool", "chain", "retriever", "evaluator", "embedding", "guardrail"].map((t) => `${t}-create`);

interface Contract {
  batch: ValidateFunction;
  strictEvent: Record<string, ValidateFunction>;
}

let contract: Contract | undefined;

function load(): Contract {
  // The spec reuses one `security` block through hundreds of YAML aliases; it is a trusted local file.
  const spec = parse(readFileSync(`${CONTRACT_DIR}/openapi.yml`, "utf8"), { maxAliasCount: -1 }) as {
    paths: Record<string, { post: { requestBody: { content: Record<string, { schema: object }> } } }>;
    components: { schemas: Record<string, { oneOf?: unknown; anyOf?: unknown }> };
  };
  const mapValue = spec.components.schemas.MapValue;
  mapValue.anyOf = mapValue.oneOf;
  delete mapValue.oneOf;
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  (addFormatsModule as unknown as (a: Ajv2019) => void)(ajv);
  ajv.addSchema(absoluteRefs({ $id: BASE, components: spec.components }));
  const request = spec.paths["/api/public/ingestion"].post.requestBody.content["application/json"].schema;
  const ref = (name: string) => ({ $ref: `${BASE}#/components/schemas/${name}` });
  const strictEvent = Object.fromEntries(
    Object.entries(EVENT_SCHEMAS).map(([type, [event, body]]) => [
      type,
      ajv.compile({
        ...ref(event),
        properties: { type: { const: type }, body: { ...ref(body), unevaluatedProperties: false } },
        unevaluatedProperties: false,
      }),
    ]),
  );
  return { batch: ajv.compile(absoluteRefs(request)), strictEvent };
}

/**
 * OpenAPI 3.0 → what ajv compiles: `#/components/…` refs point into the schema registered under BASE;
 * `nullable` without a `type` (ajv requires one) becomes "or null" around a $ref, and is dropped where
 * the schema takes any value anyway.
 */
function absoluteRefs<T>(node: T): T {
  if (Array.isArray(node)) return node.map(absoluteRefs) as T;
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${BASE}${v}` : absoluteRefs(v)]),
  );
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable;
    if (typeof out.$ref === "string") {
      const { $ref, ...rest } = out;
      return { ...rest, anyOf: [{ $ref }, { type: "null" }] } as T;
    }
  }
  return out as T;
}

interface Event {
  type: string;
  body: unknown;
}

/** Every problem with one batch body, as readable strings; [] when the body follows the contract. */
export function validateIngestionBody(body: unknown): string[] {
  contract ??= load();
  const c = contract;
  const events = ((body as { batch?: Event[] })?.batch ?? []) as Event[];
  const asSpec = (e: Event) => (SERVER_ONLY_TYPES.includes(e.type) ? { ...e, type: "generation-create" } : e);
  const problems: string[] = [];
  const report = (where: string, v: ValidateFunction) => {
    for (const e of v.errors ?? []) problems.push(`${where}${e.instancePath} ${e.message}${e.params && "unevaluatedProperty" in e.params ? ` (${String(e.params.unevaluatedProperty)})` : ""}`);
  };
  const wire = Array.isArray((body as { batch?: unknown })?.batch) ? { ...(body as object), batch: events.map(asSpec) } : body;
  if (!c.batch(wire)) report("request", c.batch);
  events.map(asSpec).forEach((e, i) => {
    const where = `batch/${i} (${e.type})`;
    const strict = c.strictEvent[e.type];
    if (!strict) problems.push(`${where} is not an event type Langfuse accepts`);
    else if (!strict(e)) report(where, strict);
  });
  return problems;
}

/** Langfuse's 207 for a batch body: every event id in `successes`, except those `fail` answers for. */
export function multiStatus(
  req: ReceivedRequest,
  fail: (event: { id: string; type: string; body: { id?: string } }) => { status: number; message: string; error?: string } | undefined = () => undefined,
): ScriptedResponse {
  const events = (JSON.parse(req.body.toString("utf8")) as { batch: Array<{ id: string; type: string; body: { id?: string } }> }).batch;
  const successes: Array<{ id: string; status: number }> = [];
  const errors: Array<{ id: string; status: number; message: string; error?: string }> = [];
  for (const e of events) {
    const f = fail(e);
    if (f) errors.push({ id: e.id, ...f });
    else successes.push({ id: e.id, status: 201 });
  }
  return { status: 207, headers: { "content-type": "application/json" }, body: JSON.stringify({ successes, errors }) };
}

// ── a sample trace ───────────────────────────────────────────────────────────────────────────────
export const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

export const root = makeSpan({
  trace_id: TRACE,
  span_id: "00f067aa0ba902b7",
  project_id: "p",
  name: "support agent",
  kind: "agent",
  session_id: "sess-9",
  user_id: "user-9",
  tags: ["prod", "vip"],
  release: "2.0.1",
  environment: "production",
  input: "Where is my order?",
  output: { answer: "on its way" },
  attributes: { "langfuse.trace.name": "support", "langfuse.trace.metadata.channel": "chat", "langfuse.version": "v3", "app.region": "eu" },
});

export const generation = llmSpan({
  trace_id: TRACE,
  span_id: "1111111111111111",
  parent_span_id: root.span_id,
  project_id: "p",
  startMs: 10,
  session_id: "sess-9",
  user_id: "user-9",
  environment: "production",
  input: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Where is my order?" },
  ],
  output: [{ role: "assistant", content: "On its way." }],
  tokens: { input_tokens: 100, output_tokens: 30, total_tokens: 130, cache_read_tokens: 40, cache_write_tokens: 10, reasoning_tokens: 5 },
  costUsd: 0.002,
  model_parameters: { temperature: 0.2, max_tokens: 256, stop: ["\n"] },
  first_token_ms: 120.5,
  prompt: { name: "greeting", version: 3 },
  level: "warning",
  status_message: "slow",
  stop_reason: "stop",
});

export const tool = makeSpan({
  trace_id: TRACE,
  span_id: "2222222222222222",
  parent_span_id: root.span_id,
  project_id: "p",
  name: "lookup_order",
  kind: "tool",
  input: { id: 42 },
  output: "shipped",
});
