import { F } from "./features.ts";
import type { Detector } from "./types.ts";

// local@domain.tld — the TLD must be alphabetic (2+), so `user@host` and `@decorators` are not matched.
export const email: Detector = {
  name: "email",
  pattern: /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  // the char before `@` ends `[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}`, the one after is `[A-Za-z0-9]`
  gate: F.EMAIL,
};
