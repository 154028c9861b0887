// The built-in detectors, by name. Order is the tie-break when two detectors match the same span of
// text at the same start with the same length (the more specific first).
import { api_key } from "./api_key.ts";
import { bearer_token } from "./bearer_token.ts";
import { credit_card } from "./credit_card.ts";
import { email } from "./email.ts";
import { features } from "./features.ts";
import { iban } from "./iban.ts";
import { ip_address } from "./ip_address.ts";
import { jwt } from "./jwt.ts";
import { phone } from "./phone.ts";
import type { Detector } from "./types.ts";
import { us_ssn } from "./us_ssn.ts";

export type { Detector } from "./types.ts";

export const DETECTORS: Readonly<Record<string, Detector>> = Object.freeze({
  bearer_token,
  jwt,
  api_key,
  email,
  iban,
  credit_card,
  us_ssn,
  ip_address,
  phone,
});

export const DETECTOR_NAMES = Object.keys(DETECTORS);

/** By default shorter strings are not scanned: no built-in detector matches fewer than 6 characters. */
const MIN_LENGTH = 6;

export interface Finding {
  start: number;
  end: number;
  detector: string;
}

/** One detector's match, before overlaps between detectors are resolved; `rank` is its detector's index. */
export interface RawFinding extends Finding {
  rank: number;
}

/**
 * All non-overlapping findings in `text`, left to right. Every detector scans the ORIGINAL text, so a
 * replacement can never be re-detected (a hash's hex digits are not a phone number). Overlaps resolve
 * to the earliest start, then the longest match, then detector order.
 */
export function findAll(text: string, detectors: readonly Detector[]): Finding[] {
  return resolveOverlaps(findRaw(text, detectors));
}

/** Every detector's matches in `text`, each detector on its own (a detector's matches never overlap). */
export function findRaw(text: string, detectors: readonly Detector[]): readonly RawFinding[] {
  let found: RawFinding[] | undefined;
  let f = -1; // the text's features, computed when the first gate asks
  for (let r = 0; r < detectors.length; r++) {
    const d = detectors[r];
    if (text.length < (d.minLength ?? MIN_LENGTH)) continue;
    if (d.gate !== undefined) {
      if (f < 0) f = features(text);
      if ((f & d.gate) === 0) continue;
    }
    d.pattern.lastIndex = 0;
    for (let m = d.pattern.exec(text); m !== null; m = d.pattern.exec(text)) {
      if (m[0].length === 0) {
        d.pattern.lastIndex++;
        continue;
      }
      if (d.validate && !d.validate(m[0])) continue;
      found ??= [];
      found.push({ start: m.index, end: m.index + m[0].length, detector: d.name, rank: r });
    }
  }
  return found ?? NONE;
}
const NONE: readonly RawFinding[] = Object.freeze([]);

/** The findings left when overlaps resolve to the earliest start, then the longest, then the lowest rank. */
export function resolveOverlaps(found: readonly RawFinding[]): Finding[] {
  if (found.length === 0) return [];
  if (found.length === 1) return [{ start: found[0].start, end: found[0].end, detector: found[0].detector }];
  const sorted = [...found].sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank);
  const out: Finding[] = [];
  let end = -1;
  for (const f of sorted) {
    if (f.start < end) continue;
    out.push({ start: f.start, end: f.end, detector: f.detector });
    end = f.end;
  }
  return out;
}
