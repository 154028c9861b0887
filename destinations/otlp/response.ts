// Reading an OTLP/HTTP answer. A 2xx carries an ExportTraceServiceResponse whose `partial_success`
// counts the spans the server refused (an empty message = full success); a failure status carries a
// google.rpc.Status. Either comes as protobuf or JSON, matching the request's Content-Type, but many
// proxies answer with plain text: anything unreadable is taken as "no details" rather than an error.
import protobuf from "protobufjs";
import { otlpRoot } from "../../lib/otlp/proto.ts";

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

const ExportTraceServiceResponse = otlpRoot.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");

// google.rpc.Status, only the field we read (message = 2); code (1) and details (3) are skipped.
const RpcStatus = new protobuf.Type("Status").add(new protobuf.Field("message", 2, "string"));
new protobuf.Root().define("google.rpc").add(RpcStatus);

type Kind = "protobuf" | "json" | "other";

function kindOf(contentType: string | null): Kind {
  const media = (contentType ?? "").split(";", 1)[0].trim().toLowerCase();
  if (media === "application/x-protobuf" || media === "application/protobuf") return "protobuf";
  if (media === "application/json" || media.endsWith("+json")) return "json";
  return "other";
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    return undefined;
  }
}

/** The partial success of a 2xx answer, or undefined when the server accepted every span. */
export function readPartialSuccess(contentType: string | null, body: Uint8Array): PartialSuccess | undefined {
  let partial: unknown;
  const kind = kindOf(contentType);
  if (kind === "protobuf") {
    try {
      partial = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(body), { longs: Number }).partialSuccess;
    } catch {
      return undefined;
    }
  } else if (kind === "json") {
    const parsed = parseJson(body);
    // OTLP/JSON is lowerCamelCase; receivers must also accept the proto field names, so readers do too.
    if (isRecord(parsed)) partial = parsed.partialSuccess ?? parsed.partial_success;
  }
  if (!isRecord(partial)) return undefined;
  // int64 is a string in OTLP/JSON, a number elsewhere.
  const rejectedSpans = Number(partial.rejectedSpans ?? partial.rejected_spans ?? 0);
  const message = partial.errorMessage ?? partial.error_message;
  if (!Number.isFinite(rejectedSpans) || rejectedSpans <= 0) return undefined; // 0 + message is only a warning
  return { rejectedSpans, errorMessage: typeof message === "string" ? message : "" };
}

/** The server's reason for a failure status: the google.rpc.Status message when there is one, else the body text. */
export function failureReason(contentType: string | null, body: Uint8Array): string {
  const kind = kindOf(contentType);
  if (kind === "protobuf") {
    try {
      return (RpcStatus.toObject(RpcStatus.decode(body)) as { message?: string }).message ?? "";
    } catch {
      // not a Status after all: fall through to the raw text
    }
  } else if (kind === "json") {
    const parsed = parseJson(body);
    if (isRecord(parsed) && typeof parsed.message === "string") return parsed.message;
  }
  return Buffer.from(body).toString("utf8");
}
