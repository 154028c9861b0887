// Error catalog of the OTLP decoding area. Codes are stable (tests and the HTTP layer check the code,
// never the wording); messages say what was wrong and where, so a 400 answer is actionable.

export const OtlpErrorCode = {
  /** The body is not a well-formed OTLP trace export (bad protobuf, bad JSON, or the wrong shape). */
  DECODE: "TR_OTLP_DECODE",
  /** The body is not JSON at all (same code as every other JSON route). */
  INVALID_JSON: "TR_BODY_INVALID_JSON",
  /** The Content-Type is neither application/x-protobuf nor application/json (HTTP 415). */
  UNSUPPORTED_CONTENT_TYPE: "TR_OTLP_UNSUPPORTED_CONTENT_TYPE",
} as const;

export type OtlpErrorCode = (typeof OtlpErrorCode)[keyof typeof OtlpErrorCode];

export class OtlpDecodeError extends Error {
  readonly code: OtlpErrorCode;

  constructor(message: string, code: OtlpErrorCode = OtlpErrorCode.DECODE, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OtlpDecodeError";
    this.code = code;
  }
}
