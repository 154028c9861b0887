// A gate may only skip strings in which its detector cannot find anything. Checked three ways: every
// string of the PII and clean corpora and hand-written shapes (every alternative of every pattern) —
// a detector that finds a match must have its gate open; and on those plus ~40,000 fuzzed strings
// (seeded PII values surrounded, spliced and mutated with punctuation and text), findAll with the
// gates must equal findAll without any gate.
import { describe, expect, it } from "vitest";
import { cleanCorpus, makeGenerators, piiCorpus, rng } from "../corpus.ts";
import { luhn } from "./credit_card.ts";
import { features } from "./features.ts";
import { DETECTORS, type Detector, findAll } from "./index.ts";

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

/** `body` (digits, maybe grouped) + its Luhn check digit. */
const cardOf = (body: string) => body + [..."0123456789"].find((c) => luhn((body + c).replace(/\D/g, "")));

const x = (n: number, set = "Ab3_xY9-Qz") => Array.from({ length: n }, (_, i) => set[(i * 7) % set.length]).join("");
const alnum = (n: number) => x(n, "aB3xY9Qz7K");
const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

// Every alternative of every pattern, with the separators and neighbours each one allows.
const SHAPES: Record<string, string[]> = {
  email: ["jane.doe+tag@mail.example.co.uk", "a@b.co", "x_y%z-w@sub.example.io", "(1@2.com)", "mail:user.name@example.de,", "é jane@example.com"],
  phone: [
    "+44 (20) 7946 0958",
    "+44 20 7946 0958",
    "+1-415-555-0100",
    "+1 (415) 555-0100",
    "+1.415.555.0100",
    "+49 (0)30 1234567",
    "+4915112345678",
    "+33 6 12 34 56 78",
    "+81 90-1234-5678",
    "+91 98765 43210",
    "+1 415 5550100",
    "+49 301234", // 8 digits: the fewest with `+`
    "+1 (415) 5550",
    "(415) 555-0100",
    "(415)555-0100",
    "(415).555.0100",
    "415.555.0100",
    "415-555-0100",
    "415 555 0100",
    "020 7946 0958",
    "06 12 34 56 78",
    "0151-2345-6789",
    "030.1234.5678",
    "call 030 1234 5678.",
  ],
  credit_card: [
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4111111111111111",
    "378282246310005",
    "3782 822463 10005",
    "6011 0009 9013 9424",
    "5555-5555-5555-4444",
    "4222222222222",
    cardOf("4" + "0".repeat(17)),
    cardOf("2221 0000 0000 000"),
    `card: ${cardOf("5105-1051-0510-510")}.`,
  ],
  us_ssn: ["123-45-6789", "ssn:078-05-1120", "(219-09-9999)"],
  iban: ["DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "FR14 2004 1010 0505 0001 3M02 606", "NL91ABNA0417164300", "iban:ES9121000418450200051332."],
  ip_address: [
    "192.168.0.1",
    "10.0.0.1:8080",
    "ip=203.0.113.42,",
    "::1",
    "fe80::1",
    "fe80::1%eth0",
    "2001:db8::8a2e:370:7334",
    "2001:db8:85a3::8a2e:370:7334",
    "::ffff:192.0.2.128",
    "::ffff:10.0.0.2",
    "2001:0db8:0000:0000:0000:ff00:0042:8329",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:1.2.3.4",
    "1:2:3:4:5::1.2.3.4",
    "a:b:c:d:e:f:1:2",
    "[2001:db8::1]:8443",
    "1::2:3",
    "::2:3:4",
  ],
  api_key: [
    `sk-${alnum(48)}`,
    `sk-proj-${x(64)}`,
    `sk-svcacct-${x(40)}`,
    `sk-admin-${x(40)}`,
    `sk-ant-api03-${x(80)}`,
    `sk-ant-${x(40)}`,
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    ...["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].map((p) => `${p}${alnum(36)}`),
    `github_pat_${alnum(22)}_${alnum(59)}`,
    ...["xoxa-", "xoxb-", "xoxp-", "xoxr-"].map((p) => `${p}1234567890-abcdefghij`),
    ...["sk_live_", "sk_test_", "rk_live_", "rk_test_"].map((p) => `${p}${alnum(24)}`),
    `AIza${x(35)}`,
    `hf_${alnum(34)}`,
    `key=(sk-${alnum(30)})`,
  ],
  jwt: [jwt, `t=${jwt};`, `"${jwt}"`],
  bearer_token: ["Authorization: Bearer abc123def456ghi789jkl", "bearer\tABCDEFGHIJKLMNOPqrst", "Bearer  eyJhbGciOiJIUzI1NiJ9.x", "(Bearer a.b~c+d/e-f_g0123456789==)"],
};

const ALL = Object.values(DETECTORS);
const UNGATED: Detector[] = ALL.map((d) => ({ ...d, gate: undefined }));
const finds = (d: Detector, s: string) => {
  d.pattern.lastIndex = 0;
  return [...s.matchAll(d.pattern)].some((m) => !d.validate || d.validate(m[0]));
};
const gateOpen = (d: Detector, s: string) => d.gate === undefined || (features(s) & d.gate) !== 0;

describe("detector gates never skip a match", () => {
  const strings = [...Object.values(SHAPES).flat(), ...stringsOf(piiCorpus(1000, 21).spans, []), ...stringsOf(cleanCorpus(1000, 22), [])];

  for (const [name, detector] of Object.entries(DETECTORS)) {
    it(name, () => {
      expect(detector.gate).toBeDefined();
      for (const s of SHAPES[name]) expect(finds(detector, s), `${name} shape ${JSON.stringify(s)} is not a match`).toBe(true);
      let matched = 0;
      for (const s of strings) {
        if (!finds(detector, s)) continue;
        matched++;
        expect(gateOpen(detector, s), `${name} gate closed on ${JSON.stringify(s.slice(0, 80))}`).toBe(true);
      }
      expect(matched).toBeGreaterThan(SHAPES[name].length); // the corpus exercises every detector
    });
  }

  it("findAll with gates = findAll without, on the corpora and the shapes", () => {
    const differ = strings.filter((s) => JSON.stringify(findAll(s, ALL)) !== JSON.stringify(findAll(s, UNGATED)));
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it("findAll with gates = findAll without, on fuzzed strings", () => {
    const r = rng(2024);
    const g = makeGenerators(r);
    const int = (n: number) => Math.floor(r() * n);
    const pick = <T>(a: readonly T[]): T => a[int(a.length)];
    const NOISE = ` .-()+:@_/\\,;=#"'\t\n[]{}<>~*|%${"abeyJBrsxghfkAKIZ".repeat(2)}0123456789é—€`;
    const noise = (n: number) => Array.from({ length: n }, () => NOISE[int(NOISE.length)]).join("");
    const values = [
      ...Object.values(SHAPES).flat(),
      ...Array.from({ length: 300 }, () => [g.email(), g.phone(), g.card(), g.ssn(), g.iban(), g.ip(), g.apiKey(), g.jwt(), g.bearer()]).flat(),
    ];
    const mutate = (v: string): string => {
      const i = int(v.length + 1);
      switch (int(7)) {
        case 0: // surrounded
          return noise(int(4)) + v + noise(int(4));
        case 1: // a char inserted
          return v.slice(0, i) + noise(1 + int(2)) + v.slice(i);
        case 2: // a char replaced
          return v.slice(0, i) + noise(1) + v.slice(i + 1);
        case 3: // a char removed
          return v.slice(0, i) + v.slice(i + 1);
        case 4: // a char doubled
          return v.slice(0, i) + v.slice(i, i + 1) + v.slice(i);
        case 5: // two values joined
          return v + noise(int(3)) + pick(values);
        default: // cut
          return v.slice(int(4), v.length - int(4));
      }
    };
    let withFindings = 0;
    const differ: string[] = [];
    for (let k = 0; k < 40_000; k++) {
      let s = pick(values);
      for (let m = 1 + int(3); m > 0; m--) s = mutate(s);
      const gated = JSON.stringify(findAll(s, ALL));
      if (gated !== "[]") withFindings++;
      if (gated !== JSON.stringify(findAll(s, UNGATED))) differ.push(s);
    }
    expect(differ.slice(0, 5)).toEqual([]);
    expect(withFindings).toBeGreaterThan(10_000); // most mutations keep a match: the check has teeth
  });

  it("a detector without a gate (a custom regex) always runs", () => {
    const custom: Detector = { name: "ticket", pattern: /TICKET-\d+/g, minLength: 1 };
    expect(findAll("see TICKET-42", [custom])).toEqual([{ start: 4, end: 13, detector: "ticket" }]);
  });

  it("gates stay closed on look-alikes from the clean corpus", () => {
    const closed: Array<[string, string]> = [
      ["phone", "Unix timestamp 1767225600 — what date is that?"],
      ["phone", "The ISBN is 978-0-13 is it"],
      ["iban", "error TS2345 at src/app.ts:142:17"],
      ["ip_address", "std::vector and Vec::new at 10:30:00, version 1.2.3"],
      ["us_ssn", "2025-11-14 and 1234-56-7890"],
      ["api_key", "task-runner, disk-usage, my_test_fn, network_test_suite"],
      ["email", "@lru_cache and @decorator"],
      ["bearer_token", "the bearers of bad news, unbearable"],
      ["jwt", "eyJhbGciOiJIUzI1NiJ9 without a payload"],
      ["credit_card", "version 4111.1111.1111.1111 and 4111 1111 1111"],
    ];
    for (const [name, s] of closed) expect(gateOpen(DETECTORS[name], s), `${name} on ${s}`).toBe(false);
  });
});
