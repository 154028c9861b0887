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
let lastDigits = 0;
/** How many ASCII digits `s` holds: the digit-based detectors need a minimum (a card 13, an SSN 9…). */
export const digitCount = (s: string): number => {
  if (s !== lastText) {
    lastText = s;
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) n++;
    }
    lastDigits = n;
  }
  return lastDigits;
};
export const digitsOf = (s: string): string => s.replace(/\D/g, "");
