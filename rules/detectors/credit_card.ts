import { F } from "./features.ts";
import { type Detector, digitsOf } from "./types.ts";

/** Luhn (mod 10) check over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// 13–19 digits, optionally grouped by single spaces or dashes, Luhn-valid, and starting with a known
// issuer digit (2–6: Mastercard, Amex, Visa, Discover, …) so all-zero ids and the like are skipped.
export const credit_card: Detector = {
  name: "credit_card",
  pattern: /(?<![\w.-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w]|[.-]\d)/g,
  validate: (m) => {
    const d = digitsOf(m);
    if (d.length < 13 || d.length > 19) return false;
    const seps = m.replace(/\d/g, "");
    if (seps && new Set(seps).size > 1) return false;
    return luhn(d);
  },
  // consecutive digits of a match are adjacent or one [ -] apart (`[2-6]\d{3}(?:[ -]?\d)`), and
  // validate wants 13+ of them
  gate: F.CARD,
  minLength: 13,
};
