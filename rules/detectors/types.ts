// A built-in PII detector: a global regex finding candidates, an optional validator (checksums, digit
// counts) that rejects false candidates, and a gate over the string's features (features.ts) so
// strings that cannot contain a match are skipped without running the regex. Detectors never see or
// log anything but the string given.
export interface Detector {
  readonly name: string;
  /** Must have the `g` flag; matched in full (`match[0]`) is what gets redacted. */
  readonly pattern: RegExp;
  /** Returns false to reject a candidate (e.g. failed Luhn). */
  readonly validate?: (match: string) => boolean;
  /**
   * Feature bits (F in features.ts), one of which the string must have for the regex to run: a
   * necessary condition for a finding. No gate (custom regexes) = always run.
   */
  readonly gate?: number;
  /** Strings shorter than this are not scanned (built-ins: 6; custom regexes: 1). */
  readonly minLength?: number;
}

export const digitsOf = (s: string): string => s.replace(/\D/g, "");
