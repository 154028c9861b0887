import { isIPv4, isIPv6 } from "node:net";
import { type Detector, digitCount } from "./types.ts";

// Every IPv6 candidate of the pattern starts with two `hex{0,4}:` groups, so it holds two colons with at
// most 4 hex digits between them. Prose is full of single colons ("Note: …"); the pattern's look-ahead at
// every position of such a string was a tenth of all redaction time.
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
  prefilter: (s) => (s.includes(".") && digitCount(s) >= 4) || IPV6_HINT.test(s),
};
