export { type NormalizeContext, type NormalizeResult, normalizeOtlp, type RejectedSpan } from "./otlp.ts";
