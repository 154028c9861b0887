// One pass over a string's char codes computes the features the built-in detectors' gates ask for,
// so a string is read once instead of once per detector, and a detector's regex runs only when its
// feature is present. Each feature is a NECESSARY condition for its detector to find anything (the
// derivations are next to the patterns). Only ASCII matters: without the `u` flag, \d, \w and \b are
// ASCII in JS regexes.

/** Feature bits; a detector's `gate` is a union of them (any one present = run the regex). */
export const F = {
  /** `@` after one of [A-Za-z0-9._%+-] and before [A-Za-z0-9] */
  EMAIL: 1 << 0,
  /** `.eyJ` */
  JWT: 1 << 1,
  /** `[Bb]earer` at a word start (\b), then a space or tab */
  BEARER: 1 << 2,
  /** a vendor prefix not after [\w-]: sk- sk_live_ sk_test_ rk_live_ rk_test_ AKIA ASIA AIza gh[pousr]_ github_pat_ xox[abpr]- hf_ */
  API_KEY: 1 << 3,
  /** [A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2} not after [A-Za-z0-9] */
  IBAN: 1 << 4,
  /** ≥ 13 digits in a run whose consecutive digits are adjacent or one [ -] apart */
  CARD: 1 << 5,
  /** \d{3}-\d{2}-\d{4} not after [\w-] and not before [\w-] */
  SSN: 1 << 6,
  /**
   * A run of digits whose consecutive digits are adjacent or 1–2 chars of " .-()" apart, with ≥ 8
   * digits if it starts right after `+`, else with ≥ 9 digits and ≥ 2 non-empty gaps
   */
  PHONE: 1 << 7,
  /** four groups of digits separated by single dots (d.d.d.d) */
  IPV4: 1 << 8,
  /** `::`, or six colons each at most 4 hex digits from the next, in a run of [0-9A-Fa-f:] not after [\w.] */
  IPV6: 1 << 9,
} as const;

// Reads go through String.prototype.charCodeAt.call, never out of range, and the length is read once:
// `s.charCodeAt` and `s.length` are property loads that go megamorphic once strings of 5+ internal
// representations (one-/two-byte, flat, cons, sliced, internalized: the clean corpus alone has 5) have
// passed, and one read past the end makes V8 stop inlining that charCodeAt. Either made this loop
// 3-5x slower in a micro-benchmark.
const charCodeAt = String.prototype.charCodeAt;
/** The char code at `i` of `s` (of length `n`), 0 outside it (0 is in no class below). */
const at = (s: string, n: number, i: number): number => (i >= 0 && i < n ? charCodeAt.call(s, i) : 0);
/** `lit` is at `i` of `s` (of length `n`). */
function has(s: string, n: number, i: number, lit: string): boolean {
  if (i < 0 || i + lit.length > n) return false;
  for (let k = 0; k < lit.length; k++) if (charCodeAt.call(s, i + k) !== charCodeAt.call(lit, k)) return false;
  return true;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isAlnum = (c: number) => isDigit(c) || isUpper(c) || (c >= 97 && c <= 122);
const isWord = (c: number) => isAlnum(c) || c === 95;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
/** " .-()": what may stand between two digits of a phone number */
const isPhoneSep = (c: number) => c === 32 || c === 46 || c === 45 || c === 40 || c === 41;

/** The end of ` ?[A-Z0-9]{4}` (an IBAN group) at `i`, or -1. */
function ibanGroup(s: string, n: number, i: number): number {
  if (at(s, n, i) === 32) i++;
  for (const end = i + 4; i < end; i++) {
    const c = at(s, n, i);
    if (!isDigit(c) && !isUpper(c)) return -1;
  }
  return i;
}

/** ddd-dd-dddd with its first dash at `i`, not after or before [\w-]. */
function ssnAt(s: string, n: number, i: number): boolean {
  if (at(s, n, i + 3) !== 45) return false;
  for (let k = i - 3; k <= i + 7; k++) if (k !== i && k !== i + 3 && !isDigit(at(s, n, k))) return false;
  const p = at(s, n, i - 4);
  const q = at(s, n, i + 8);
  return !isWord(p) && p !== 45 && !isWord(q) && q !== 45;
}

/** `Bearer` or `bearer` at `i`, then a space or tab. */
function bearerAt(s: string, n: number, i: number): boolean {
  const c = at(s, n, i + 6);
  return (c === 32 || c === 9) && has(s, n, i + 1, "earer");
}

/** Nothing of [\w-] before `i`, as in the api_key pattern's look-behind. */
function keyStart(s: string, n: number, i: number): boolean {
  const p = at(s, n, i - 1);
  return !isWord(p) && p !== 45;
}

/** An api_key prefix whose first `-` or `_` is at `i` (c is that char), or AKIA / ASIA / AIza at `i` (c is `A`). */
function apiKeyAt(s: string, n: number, i: number, c: number): boolean {
  if (c === 45) {
    const x = at(s, n, i - 1);
    return (has(s, n, i - 2, "sk") && keyStart(s, n, i - 2)) || ((x === 97 || x === 98 || x === 112 || x === 114) && has(s, n, i - 4, "xox") && keyStart(s, n, i - 4)); // sk- xox[abpr]-
  }
  if (c === 95) {
    const x = at(s, n, i - 1);
    return (
      ((has(s, n, i - 2, "sk") || has(s, n, i - 2, "rk")) && (has(s, n, i + 1, "live_") || has(s, n, i + 1, "test_")) && keyStart(s, n, i - 2)) ||
      ((x === 112 || x === 111 || x === 117 || x === 115 || x === 114) && has(s, n, i - 3, "gh") && keyStart(s, n, i - 3)) || // gh[pousr]_
      (has(s, n, i - 6, "github") && has(s, n, i + 1, "pat_") && keyStart(s, n, i - 6)) ||
      (has(s, n, i - 2, "hf") && keyStart(s, n, i - 2))
    );
  }
  return (has(s, n, i, "AKIA") || has(s, n, i, "ASIA") || has(s, n, i, "AIza")) && keyStart(s, n, i);
}

/** The run of [0-9A-Fa-f:] ending at the colon `i` starts after a char not in [\w.] (or at 0). */
function ipv6Start(s: string, n: number, i: number): boolean {
  let j = i;
  // an IPv6 match's colons are at most 35 chars from its start; give up (say yes) beyond 40
  while (j > 0 && i - j < 40) {
    const c = at(s, n, j - 1);
    if (c !== 58 && !isHex(c)) break;
    j--;
  }
  const p = at(s, n, j - 1);
  return i - j >= 40 || !(isWord(p) || p === 46);
}

/** The feature bits (F) present in `s`. */
export function features(s: string): number {
  const n = s.length;
  let f = 0;
  let lastDigit = -10; // position of the previous digit
  let card = 0; // digits in the current run, as credit_card counts them
  let phone = 0; // … as phone counts them
  let gaps = 0; // non-empty gaps in the phone run
  let plus = false; // the phone run started right after `+`
  let dots = 0; // single-dot gaps in the current run of digits and dots
  let lastColon = -10;
  let colons = 0; // colons chained at most 4 hex digits apart
  for (let i = 0; i < n; i++) {
    const c: number = charCodeAt.call(s, i);
    // most chars are lower-case letters and spaces: they fall through every test
    if (c < 65) {
      if (c >= 48 && c <= 57) {
        const gap = i - lastDigit - 1; // chars since the previous digit
        lastDigit = i;
        if (gap === 0) {
          card++;
          phone++;
        } else {
          const p = at(s, n, i - 1);
          card = gap === 1 && (p === 32 || p === 45) ? card + 1 : 1;
          if (isPhoneSep(p) && (gap === 1 || (gap === 2 && isPhoneSep(at(s, n, i - 2))))) {
            phone++;
            gaps++;
          } else {
            phone = 1;
            gaps = 0;
            plus = p === 43;
          }
          dots = gap === 1 && p === 46 ? dots + 1 : 0;
        }
        if (card >= 13) f |= F.CARD;
        if (plus ? phone >= 8 : phone >= 9 && gaps >= 2) f |= F.PHONE;
        if (dots >= 3) f |= F.IPV4;
      } else if (c === 45) {
        if (ssnAt(s, n, i)) f |= F.SSN;
        if (apiKeyAt(s, n, i, c)) f |= F.API_KEY;
      } else if (c === 58) {
        const gap = i - lastColon - 1; // chars since the previous colon
        let linked = gap <= 4;
        for (let j = lastColon + 1; linked && j < i; j++) linked = isHex(at(s, n, j));
        colons = linked ? colons + 1 : 1;
        lastColon = i;
        if ((gap === 0 || colons >= 6) && ipv6Start(s, n, i)) f |= F.IPV6;
      } else if (c === 64) {
        const p = at(s, n, i - 1);
        if ((isAlnum(p) || p === 46 || p === 95 || p === 37 || p === 43 || p === 45) && isAlnum(at(s, n, i + 1))) f |= F.EMAIL;
      }
    } else if (c <= 90) {
      const p = at(s, n, i - 1);
      if (c === 74 && p === 121 && at(s, n, i - 2) === 101 && at(s, n, i - 3) === 46) f |= F.JWT; // the J of .eyJ
      if (isAlnum(p)) continue; // the other upper-case features start a word
      if (isUpper(at(s, n, i + 1)) && isDigit(at(s, n, i + 2)) && isDigit(at(s, n, i + 3))) {
        const g = ibanGroup(s, n, i + 4);
        if (g >= 0 && ibanGroup(s, n, g) >= 0) f |= F.IBAN;
      }
      if (p === 95) continue; // `_` is \w
      if (c === 66 && bearerAt(s, n, i)) f |= F.BEARER;
      if (c === 65 && apiKeyAt(s, n, i, c)) f |= F.API_KEY;
    } else if (c === 95) {
      if (apiKeyAt(s, n, i, c)) f |= F.API_KEY;
    } else if (c === 98) {
      if (!isWord(at(s, n, i - 1)) && bearerAt(s, n, i)) f |= F.BEARER;
    }
  }
  return f;
}
