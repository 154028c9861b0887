import { F } from "./features.ts";
import type { Detector } from "./types.ts";

// `Bearer <token>` as in an Authorization header (case-insensitive keyword, token of 16+ token chars containing a digit or mixed case).
// The whole `Bearer …` is redacted. "the bearer of bad news" is not a match: no token-shaped word.
export const bearer_token: Detector = {
  name: "bearer_token",
  pattern: /\b[Bb]earer[ \t]+(?=[\w.~+/-]*(?:\d|[a-z][\w.~+/-]*[A-Z]|[A-Z][\w.~+/-]*[a-z]))[\w.~+/-]{16,}=*/g,
  gate: F.BEARER, // the pattern starts `\b[Bb]earer[ \t]`
  minLength: 23, // "Bearer " + a 16-character token
};
