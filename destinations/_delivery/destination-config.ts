// One config parser for every destination folder: validates the raw block against the folder's
// config.schema.json (which $refs the common delivery schema), reports every problem at once without
// echoing values (a secret must never reach a log through a validation message), and resolves the
// `delivery:` block over the vendor's defaults.
import { Ajv, type AnySchema } from "ajv";
import deliverySchema from "./config.schema.json" with { type: "json" };
import { type DeliveryConfig, type DeliveryOptions, resolveDeliveryOptions } from "./config.ts";
import { DeliveryConfigError } from "./errors.ts";

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(deliverySchema);

/**
 * Returns a parser for one destination type. `build` turns the validated input into the destination's
 * config (defaults filled in); it may throw DeliveryConfigError for cross-field problems.
 */
export function destinationConfigParser<I extends { delivery?: DeliveryConfig }, C>(
  type: string,
  schema: AnySchema,
  vendorDefaults: DeliveryConfig,
  build: (input: I, delivery: DeliveryOptions) => C,
): (raw: unknown) => C & { delivery: DeliveryOptions } {
  const validate = ajv.compile<I>(schema);
  return (raw: unknown) => {
    if (!validate(raw)) {
      throw new DeliveryConfigError(
        (validate.errors ?? []).map((e) => {
          const extra = e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : "";
          return `${type}${e.instancePath.replaceAll("/", ".")} ${e.message}${extra}`;
        }),
      );
    }
    const input = raw as I; // narrowed by the validator above
    const delivery = resolveDeliveryOptions(input.delivery, vendorDefaults);
    return { ...build(input, delivery), delivery };
  };
}
