import { isIPv4, isIPv6 } from "node:net";
import { F } from "./features.ts";
import type { Detector } from "./types.ts";

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
  // IPv4: `\d{1,3}(?:\.\d{1,3}){3}` is d.d.d.d. IPv6: isIPv6 accepts an address with `::` or else with
  // 6+ colons (8 groups, or 6 and a dotted quad); in the pattern its colons are hex{0,4} apart, and
  // the match starts a run of [0-9A-Fa-f:] (the groups) not after [\w.:]. (Prose is full of single
  // colons, dots after words, times like 10:30:00 and scopes like std::vector.)
  gate: F.IPV4 | F.IPV6,
};
