// ajv over ingestion-events.schema.json: compiled validators per `$defs` entry, the `date-time-offset`
// format Langfuse requires, and error formatting that names the JSON path and the problem in plain words
// (`/body/id is required`, `/timestamp must be an ISO 8601 date-time …`).
//
// `x-message` (a documentation-only keyword registered here) on a `$defs` entry replaces every error raised
// inside that entry by its one sentence: composite rules (if/then, oneOf, anyOf) otherwise produce a
// cascade of internal messages ("must match \"then\" schema", "must NOT be valid") that help nobody.
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { toCanonicalTime } from "../../../lib/span/time.ts";
import schema from "./ingestion-events.schema.json" with { type: "json" };

const SCHEMA_ID = schema.$id;
const MAX_MESSAGES = 5;

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: "x-message", schemaType: "string" });
ajv.addFormat("date-time-offset", { type: "string", validate: isLangfuseTimestamp });
ajv.addSchema(schema);

// zod's iso.datetime({offset: true}) with seconds required: hours 00–23, minutes/seconds 00–59,
// an offset (Z or ±hh:mm). Date.parse alone would accept 2026-02-30 (it rolls over), hence the day check.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** ISO 8601 date-time with seconds and an offset, on a real calendar day. */
export function isLangfuseTimestamp(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth && toCanonicalTime(value) !== null;
}

const validators = new Map<string, ValidateFunction>();

/** The compiled validator of one `$defs` entry (compiled once, on first use). */
export function validatorFor(defName: string): ValidateFunction {
  let validate = validators.get(defName);
  if (!validate) {
    validate = ajv.getSchema(`${SCHEMA_ID}#/$defs/${defName}`);
    if (!validate) throw new Error(`ingestion-events.schema.json has no $defs entry "${defName}"`);
    validators.set(defName, validate);
  }
  return validate;
}

const X_MESSAGES: ReadonlyArray<{ prefix: string; message: string }> = Object.entries(schema.$defs).flatMap(
  ([name, def]) => {
    const message = (def as { "x-message"?: string })["x-message"];
    return message ? [{ prefix: `#/$defs/${name}/`, message }] : [];
  },
);

const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  "date-time-offset":
    "must be an ISO 8601 date-time with seconds and an offset (Z or ±hh:mm), e.g. 2026-01-01T10:00:00.000Z",
};

interface PathMessage {
  path: string;
  message: string;
  /** A wrong type at a path makes every other complaint about that path noise. */
  isTypeError: boolean;
}

function describe(error: ErrorObject): PathMessage {
  const { path, message } = sentence(error);
  return { path, message, isTypeError: error.keyword === "type" };
}

function sentence(error: ErrorObject): { path: string; message: string } {
  const path = error.instancePath || "";
  const custom = X_MESSAGES.find((x) => error.schemaPath.startsWith(x.prefix));
  if (custom) return { path, message: custom.message };
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { path: `${path}/${String(params.missingProperty)}`, message: "is required" };
    case "type": {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(",");
      return { path, message: `must be ${types.join(" or ")}` };
    }
    case "enum":
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "format":
      return { path, message: FORMAT_MESSAGES[String(params.format)] ?? error.message ?? "has an invalid format" };
    default:
      return { path, message: error.message ?? "is invalid" };
  }
}

const isWithin = (inner: string, outer: string): boolean => inner !== outer && inner.startsWith(`${outer}/`);

/**
 * ajv errors → "path problem" sentences, most useful first, without repeats: one type error per path (it
 * says it all), and an `x-message` sentence once, at the outermost path it was raised for (an if/then
 * failure is reported at `/body`, not again at `/body/promptVersion`).
 */
export function formatSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  const described = (errors ?? []).map(describe);
  const firstTypeError = (path: string) => described.find((d) => d.isTypeError && d.path === path);
  const kept = described.filter((d, i) => {
    const typeError = firstTypeError(d.path);
    if (typeError && typeError !== d) return false;
    const repeated = described.findIndex((o) => o.message === d.message && o.path === d.path) !== i;
    return !repeated && !described.some((o) => o.message === d.message && isWithin(d.path, o.path));
  });
  return kept.slice(0, MAX_MESSAGES).map((d) => `${d.path || "/"} ${d.message}`);
}
