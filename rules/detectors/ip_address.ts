import { isIPv4, isIPv6 } from "node:net";
import { type Detector, digitCount } from "./types.ts";

// Necessary conditions, so the pattern (whose IPv6 look-ahead is tried at every position) runs on a
// third of the text it ran on before: an IPv4 candidate holds a digit, a dot and a digit; an IPv6
// candidate starts with two `hex{0,4}:` groups, so it holds two colons at most 4 hex digits apart
// (prose is full of single colons and of dots after words).
const IPV4_HINT = /\d\.\d/;
const IPV6_HINT = /:[0-9A-Fa-f]{0,4}:/;

// IPv4 dotted quads (not part of a longer dotted run such as a version 1.2.3.4.5) and IPv6 in full or
// compressed form, each candidate confirmed by node:net. Times like 10:30:00 are not IPv6.
export const ip_address: Detector = {
  name: "ip_address",
  pattern: /(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)|(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]*[0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:]|\.\d))/g,
  validate: (m) => {
    if (isIPv4(m)) return true;
    if (!isIPv6(m)) return false;
    // require a real address shape: at least 3 groups or a `::` with content (not `a::b` C++ scopes)
    return (m.match(/[0-9A-Fa-f]+/g)?.length ?? 0) >= 3 || /^(?:fe80|::1$|::ffff)/i.test(m);
  },
  prefilter: (s) => (digitCount(s) >= 4 && IPV4_HINT.test(s)) || IPV6_HINT.test(s),
};
