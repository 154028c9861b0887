import { F } from "./features.ts";
import type { Detector } from "./types.ts";

// header.payload.signature, base64url; header and payload are JSON objects so both start with `eyJ`.
export const jwt: Detector = {
  name: "jwt",
  pattern: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?![\w-])/g,
  gate: F.JWT, // the pattern holds `\.eyJ`
  minLength: 32, // three parts of 8+ characters, two starting eyJ, two dots
};
