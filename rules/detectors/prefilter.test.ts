// A prefilter may only skip strings in which its detector cannot find anything: on every string of the
// PII and clean corpora, and on hand-picked shapes (IPv6 in every notation), a detector that finds a
// match must have its prefilter say yes.
import { describe, expect, it } from "vitest";
import { cleanCorpus, piiCorpus } from "../corpus.ts";
import { DETECTORS } from "./index.ts";

function stringsOf(value: unknown, out: string[]): string[] {
  if (typeof value === "string") {
    out.push(value);
    if (/^[[{]/.test(value)) {
      try {
        stringsOf(JSON.parse(value), out);
      } catch {
        // not JSON: the string itself is enough
      }
    }
  } else if (Array.isArray(value)) for (const v of value) stringsOf(v, out);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) stringsOf(v, out);
  return out;
}

const SHAPES = [
  "2001:db8:85a3::8a2e:370:7334",
  "2001:0db8:0000:0000:0000:ff00:0042:8329",
  "fe80::1%eth0 and ::1 and ::ffff:192.0.2.128",
  "link-local fe80::1",
  "loopback ::1",
  "[2001:db8::1]:8443",
  "1::",
  "::",
  "a:b:c:d:e:f:1:2",
  "at 10:30:00 the host 192.168.0.1:80 answered",
  "ip=10.0.0.1,peer=::ffff:10.0.0.2",
];

describe("detector prefilters never skip a match", () => {
  const strings = [...SHAPES, ...stringsOf(piiCorpus(1000, 21).spans, []), ...stringsOf(cleanCorpus(1000, 22), [])];
  for (const [name, detector] of Object.entries(DETECTORS)) {
    it(name, () => {
      let matched = 0;
      for (const s of strings) {
        detector.pattern.lastIndex = 0;
        const found = [...s.matchAll(detector.pattern)].some((m) => !detector.validate || detector.validate(m[0]));
        if (!found) continue;
        matched++;
        expect(detector.prefilter?.(s) ?? true, `${name} prefilter skipped ${JSON.stringify(s.slice(0, 80))}`).toBe(true);
      }
      expect(matched).toBeGreaterThan(0); // the corpus exercises every detector
    });
  }
});
