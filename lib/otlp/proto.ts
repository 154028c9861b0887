// The OpenTelemetry trace protobuf schema, loaded once with protobufjs reflection from the .proto files
// under ./proto (transcribed from opentelemetry-proto, field numbers exact). Shared by the ingest
// (services/ingest/otlp, decoding) and the OTLP encoder (./encode.ts, destinations).
//
// `ExportTraceServiceRequest.decode()` compiles to generated code on first use, so reflection decoding is
// as fast as static code. Two wire details are handled here rather than by protobufjs defaults:
// - fixed64 timestamps: protobufjs would return a Long (an object per timestamp); `NanosReader` returns a
//   bigint directly, exact to the nanosecond and without the intermediate allocation.
// - strings: protobufjs 8 validates proto3 strings as strict UTF-8 in JavaScript (`stringVerify`), the
//   single most expensive step of decoding LLM payloads. `NanosReader` decodes them natively instead,
//   replacing invalid sequences with U+FFFD: one malformed byte in a model output should not cost the
//   whole batch its acceptance.
// - the reader reads from the request Buffer without copying; `bytes` fields are Buffer views into it.
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const PROTO_DIR = fileURLToPath(new URL("./proto/", import.meta.url));
const ENTRY = "opentelemetry/proto/collector/trace/v1/trace_service.proto";

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports in the .proto files are written relative to the proto root, as upstream does.
  root.resolvePath = (_origin, target) => (target.startsWith(PROTO_DIR) ? target : PROTO_DIR + target);
  root.loadSync(ENTRY);
  root.resolveAll();
  return root;
}

export const otlpRoot: protobuf.Root = loadRoot();

export const ExportTraceServiceRequest: protobuf.Type = otlpRoot.lookupType(
  "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
);

/** A protobufjs reader whose fixed64 yields a bigint (all fixed64 fields in traces are unix-nano times). */
export class NanosReader extends protobuf.BufferReader {}

// protobufjs types fixed64() as returning Long; the decoder side of this module relies on bigint.
(NanosReader.prototype as unknown as { fixed64: () => bigint }).fixed64 = function fixed64(this: NanosReader): bigint {
  const pos = this.pos;
  if (pos + 8 > this.len) throw new RangeError(`index out of range: ${pos} + 8 > ${this.len}`);
  this.pos = pos + 8;
  return (this.buf as Buffer).readBigUInt64LE(pos);
};

(NanosReader.prototype as unknown as { stringVerify: () => string }).stringVerify = function stringVerify(
  this: NanosReader,
): string {
  const length = this.uint32();
  const start = this.pos;
  const end = start + length;
  if (end > this.len) throw new RangeError(`index out of range: ${start} + ${length} > ${this.len}`);
  this.pos = end;
  return (this.buf as Buffer).toString("utf8", start, end);
};

export function createReader(body: Buffer): NanosReader {
  return new NanosReader(body);
}
