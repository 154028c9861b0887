// ajv validation of canonical spans at the bus boundary. Errors name the JSON path of the fault
// (e.g. "/usage/input_tokens must be integer") so a rejected item says exactly what is wrong.
import { Ajv2020 } from "ajv/dist/2020.js";
import spanSchema from "../../schemas/span.v1.schema.json" with { type: "json" };
import type { CanonicalSpan } from "./types.ts";

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: "tsType", schemaType: "string" });
const check = ajv.compile<CanonicalSpan>(spanSchema);

export type SpanValidation = { ok: true; span: CanonicalSpan } | { ok: false; errors: string[] };

export function validateSpan(value: unknown): SpanValidation {
  if (check(value)) return { ok: true, span: value };
  const errors = (check.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
  return { ok: false, errors };
}
