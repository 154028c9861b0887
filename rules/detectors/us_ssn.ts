import { F } from "./features.ts";
import type { Detector } from "./types.ts";

// AAA-GG-SSSS with dashes (a bare 9-digit run is too often something else). Excludes the ranges the
// SSA never issues: area 000, 666, 900–999; group 00; serial 0000.
export const us_ssn: Detector = {
  name: "us_ssn",
  pattern: /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g,
  gate: F.SSN, // the pattern without its (?!…) exclusions
  minLength: 11,
};
