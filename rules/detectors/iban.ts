import { F } from "./features.ts";
import type { Detector } from "./types.ts";

/** ISO 13616 mod-97 check on an IBAN without spaces. */
export function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, "").toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? String(code - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

// Country code, two check digits, then 11–30 alphanumerics, optionally in groups of four.
export const iban: Detector = {
  name: "iban",
  pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g,
  validate: ibanValid,
  // `(?<![A-Za-z0-9])[A-Z]{2}\d{2}` and the two groups `(?: ?[A-Z0-9]{4}){2,7}` cannot do without
  gate: F.IBAN,
  minLength: 15,
};
