export { decodeOtlpTraces, OtlpDecodeError } from "./decode.ts";
export { encodeOtlpResponse, isProtobuf, type PartialSuccess } from "./response.ts";
