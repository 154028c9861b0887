// Helpers shared by both OTLP decoders for building attribute records.
import type { Attributes, AttrValue } from "./types.ts";

/** Assigns without letting a hostile "__proto__" key swap the record's prototype. Last duplicate wins. */
export function setAttribute(out: Attributes, key: string, value: AttrValue): void {
  if (key === "__proto__") {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}
