import { F } from "./features.ts";
import { type Detector, digitsOf } from "./types.ts";

// International phone numbers in the forms people write them:
//  - E.164-ish with a leading `+` and country code: +44 20 7946 0958, +1-415-555-0100, +4915112345678
//  - NANP with separators: (415) 555-0100, 415-555-0100, 415.555.0100
//  - national numbers with a trunk `0` and separators: 020 7946 0958, 06 12 34 56 78
// A bare run of digits without `+` is NOT a phone number here (timestamps, ids, token counts would
// all be false positives). Dates (2024-01-15) and IPs never match: digit counts and shapes differ.
export const phone: Detector = {
  name: "phone",
  pattern:
    /(?<![\w+.-])(?:\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?)(?:[ .-]?\d{2,5}){1,5}|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}([.-])\d{3}\1\d{4}|\d{3} \d{3} \d{4}|0[1-9]\d{0,3}(?:[ .-]\d{2,4}){2,4})(?![\w.-]?\d)(?!\w)/g,
  validate: (m) => {
    const n = digitsOf(m).length;
    if (m.startsWith("+")) return n >= 8 && n <= 15;
    return n >= 9 && n <= 12;
  },
  // Between two digits of a match the alternatives allow nothing or 1–2 of " .-()" (`[ .-]?\(?`,
  // `\)?[ .-]?`, `\)[ .-]?`, `[ .-]`), so all its digits are in one such run, and `+` is not one of
  // them: a `+…` match's run starts right after the `+`. validate wants 8+ digits with `+`, 9+ without;
  // the alternatives without `+` have 2+ non-empty gaps (a bare run of digits is never a match).
  gate: F.PHONE,
  minLength: 9,
};
