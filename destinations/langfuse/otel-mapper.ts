// OTel mode mapper (pure): canonical spans → one OTLP/HTTP protobuf export for Langfuse's
// /api/public/otel/v1/traces. The shared encoder (lib/otlp/encode.ts) writes ids, times, status,
// resource, the span's own attributes and the GenAI convention attributes; this adds the `langfuse.*`
// keys Langfuse reads first (NOTES.md §3.3), from the same view the batch mode uses (observation.ts):
//   every span   langfuse.observation.type, .input/.output (JSON), .level, .status_message,
//                langfuse.environment / .release / .version, session.id, user.id, langfuse.trace.tags,
//                langfuse.observation.metadata (metadata that came from Langfuse, prefix removed)
//   generations  langfuse.observation.model.name, .model.parameters, .usage_details, .cost_details
//                (JSON objects), .completion_start_time (ISO), .prompt.name / .prompt.version
//   root spans   langfuse.trace.name, .input/.output, .metadata (JSON), .public
// All other attributes travel under their own keys; Langfuse files them as observation metadata.
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { bodyBytes, encodeOtlpTraces, type OtlpAttributeValue } from "../../lib/otlp/encode.ts";
import { MappingError } from "../_delivery/index.ts";
import { langfuseView, splitMetadata, type ViewOptions } from "./observation.ts";

export interface OtelRequest {
  body: Uint8Array;
  contentType: string;
  spanCount: number;
}

type Attributes = Record<string, OtlpAttributeValue>;

/** Langfuse parses these attribute values as JSON, so even a plain string input is sent JSON-encoded. */
const json = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : JSON.stringify(v));

export function langfuseAttributes(span: CanonicalSpan, options: ViewOptions = {}): Attributes {
  const { trace, observation: o } = langfuseView(span, { ...options, observationForTraceSpans: true });
  const fromLangfuse = splitMetadata(span).langfuse;
  const a: Attributes = {
    "langfuse.environment": o?.environment,
    "langfuse.release": span.release ?? undefined,
    "langfuse.version": o?.version,
    "session.id": span.session_id ?? undefined,
    "user.id": span.user_id ?? undefined,
    "langfuse.trace.tags": span.tags?.length ? span.tags : undefined,
    "langfuse.observation.type": o?.type,
    "langfuse.observation.input": json(o?.input),
    "langfuse.observation.output": json(o?.output),
    "langfuse.observation.metadata": json(fromLangfuse),
    "langfuse.observation.level": o?.level,
    "langfuse.observation.status_message": o?.statusMessage,
    "langfuse.observation.model.name": o?.model,
    "langfuse.observation.model.parameters": json(o?.modelParameters),
    "langfuse.observation.usage_details": json(o?.usageDetails),
    "langfuse.observation.cost_details": json(o?.costDetails),
    "langfuse.observation.completion_start_time": o?.completionStartTime,
    "langfuse.observation.prompt.name": o?.promptName,
    "langfuse.observation.prompt.version": o?.promptVersion,
  };
  if (trace) {
    Object.assign(a, {
      "langfuse.trace.name": trace.name,
      "langfuse.trace.input": json(trace.input),
      "langfuse.trace.output": json(trace.output),
      "langfuse.trace.metadata": json(trace.metadata),
      "langfuse.trace.public": trace.public,
    });
  }
  return a;
}

export function mapOtel(spans: CanonicalSpan[], options: ViewOptions = {}): OtelRequest {
  let encoded: ReturnType<typeof encodeOtlpTraces>;
  try {
    encoded = encodeOtlpTraces(spans, "protobuf", { spanAttributes: (span) => langfuseAttributes(span, options) });
  } catch (err) {
    // A value JSON cannot express (a cycle, a BigInt); mapped span by span, only that span is refused.
    throw new MappingError(`spans cannot be encoded as OTLP: ${(err as Error).message}`, { cause: err });
  }
  return { body: bodyBytes(encoded), contentType: encoded.contentType, spanCount: spans.length };
}
