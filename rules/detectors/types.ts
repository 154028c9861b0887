// A built-in PII detector: a global regex finding candidates, an optional validator (checksums, digit
// counts) that rejects false candidates, and a cheap prefilter so strings that cannot contain a match
// are skipped without running the regex. Detectors never see or log anything but the string given.
export interface Detector {
  readonly name: string;
  /** Must have the `g` flag; matched in full (`match[0]`) is what gets redacted. */
  readonly pattern: RegExp;
  /** Returns false to reject a candidate (e.g. failed Luhn). */
  readonly validate?: (match: string) => boolean;
  /** Quick necessary condition on the whole string; false = skip the regex. */
  readonly prefilter?: (text: string) => boolean;
  /** Strings shorter than this are not scanned (built-ins: 6; custom regexes: 1). */
  readonly minLength?: number;
}

// Memoised for the last string: the detectors run one after another on the same string.
let lastText: string | undefined;
let lastHasDigit = false;
export const hasDigit = (s: string): boolean => {
  if (s !== lastText) {
    lastText = s;
    lastHasDigit = /\d/.test(s);
  }
  return lastHasDigit;
};
export const digitsOf = (s: string): string => s.replace(/\D/g, "");
