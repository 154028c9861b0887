// Test and benchmark corpora (deterministic, seeded):
//  - piiCorpus(n): spans with KNOWN PII in every field kind (message content, multimodal parts, plain
//    strings, thinking, attributes, tool-call arguments as objects and JSON strings, events, user_id,
//    status_message, tags, key-named secrets), returning the seeded values for the leak test;
//  - cleanCorpus(n): realistic PII-free LLM conversations (code, math, dates, versions, ids, prices,
//    hashes, URLs) for the false-positive test and the benchmark.
import type { CanonicalSpan } from "../lib/span/types.ts";
import { luhn } from "./detectors/credit_card.ts";

export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export interface Seeded {
  kind: string;
  value: string;
}

const FIRST = ["jane", "omar", "li", "sofia", "mateo", "aiko", "noah", "fatima", "lukas", "priya", "chen", "olga"];
const LAST = ["doe", "haddad", "wei", "rossi", "garcia", "tanaka", "smith", "khan", "muller", "patel", "zhang", "ivanova"];
const DOMAINS = ["example.com", "mail.example.org", "corp.example.co.uk", "example.de", "sub.example.io"];

export function makeGenerators(r: () => number) {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join("");
  const alnum = (n: number, set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") => Array.from({ length: n }, () => set[Math.floor(r() * set.length)]).join("");
  const b64url = (n: number) => alnum(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
  const card = () => {
    const [prefix, len] = pick([["4", 16], ["51", 16], ["55", 16], ["37", 15], ["6011", 16], ["2221", 16]] as const);
    let body = prefix + digits(len - prefix.length - 1);
    for (let c = 0; c < 10; c++) if (luhn(body + c)) return body + c;
    body = "";
    return body;
  };
  const group = (s: string, sep: string, sizes: number[]) => {
    const out: string[] = [];
    let i = 0;
    for (const n of sizes) {
      if (i >= s.length) break;
      out.push(s.slice(i, i + n));
      i += n;
    }
    if (i < s.length) out.push(s.slice(i));
    return out.join(sep);
  };
  const iban = () => {
    const [cc, bban] = pick([["DE", () => digits(18)], ["GB", () => alnum(4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + digits(14)], ["FR", () => digits(10) + alnum(11, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + digits(2)], ["NL", () => alnum(4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + digits(10)], ["ES", () => digits(20)]] as const);
    const b = bban();
    const num = (b + cc + "00").replace(/[A-Z]/g, (ch) => String(ch.charCodeAt(0) - 55));
    let rem = 0;
    for (const d of num) rem = (rem * 10 + Number(d)) % 97;
    const check = String(98 - rem).padStart(2, "0");
    const full = cc + check + b;
    return r() < 0.5 ? full : group(full, " ", [4, 4, 4, 4, 4, 4, 4, 4]);
  };
  const ssn = () => {
    let area = 1 + Math.floor(r() * 898);
    if (area === 666) area = 667;
    return `${String(area).padStart(3, "0")}-${String(1 + Math.floor(r() * 99)).padStart(2, "0")}-${String(1 + Math.floor(r() * 9999)).padStart(4, "0")}`;
  };
  const phone = () =>
    pick([
      () => `+44 20 ${digits(4)} ${digits(4)}`,
      () => `+1-${2 + Math.floor(r() * 8)}${digits(2)}-555-${digits(4)}`,
      () => `(${2 + Math.floor(r() * 8)}${digits(2)}) 555-${digits(4)}`,
      () => `+49 151 ${digits(8)}`,
      () => `+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
      () => `+81 90-${digits(4)}-${digits(4)}`,
      () => `020 7946 ${digits(4)}`,
      () => `+91${9}${digits(9)}`,
      () => `${2 + Math.floor(r() * 8)}${digits(2)}.555.${digits(4)}`,
    ])();
  const ip = () =>
    pick([
      () => `${1 + Math.floor(r() * 223)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`,
      () => Array.from({ length: 8 }, () => Math.floor(r() * 65536).toString(16)).join(":"),
      () => `2001:db8::${Math.floor(r() * 65535).toString(16)}:${Math.floor(r() * 65535).toString(16)}`,
      () => `fe80::${Math.floor(r() * 65535).toString(16)}:${Math.floor(r() * 65535).toString(16)}:${Math.floor(r() * 65535).toString(16)}`,
    ])();
  const apiKey = () =>
    pick([
      () => `sk-${alnum(48)}`,
      () => `sk-proj-${b64url(64)}`,
      () => `sk-ant-api03-${b64url(80)}`,
      () => `AKIA${alnum(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
      () => `ghp_${alnum(36)}`,
      () => `github_pat_${alnum(22)}_${alnum(59)}`,
      () => `xoxb-${digits(12)}-${digits(13)}-${alnum(24)}`,
      () => `sk_live_${alnum(24)}`,
      () => `rk_live_${alnum(24)}`,
      () => `AIza${b64url(35)}`,
    ])();
  const jwt = () => `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${b64url(40)}.${b64url(43)}`;
  const email = () => `${pick(FIRST)}.${pick(LAST)}${Math.floor(r() * 100)}@${pick(DOMAINS)}`;
  const bearer = () => `Bearer ${b64url(32)}`;
  return { pick, digits, alnum, email, phone, card, ssn, iban, ip, apiKey, jwt, bearer };
}

const TEMPLATES = [
  (v: string) => `Please contact me at ${v} tomorrow.`,
  (v: string) => v,
  (v: string) => `id=${v};`,
  (v: string) => `My details (${v}) are attached.`,
  (v: string) => `"${v}"`,
  (v: string) => `Line one\n${v}\nLine three`,
  (v: string) => `value: ${v}, thanks!`,
  (v: string) => `{"field": "${v}", "n": 3}`,
];

const baseSpan = (i: number): CanonicalSpan => ({
  schema_version: 1,
  trace_id: (i * 2654435761).toString(16).padStart(32, "0").slice(-32),
  span_id: (i * 40503 + 1).toString(16).padStart(16, "0").slice(-16),
  parent_span_id: null,
  project_id: "proj-1",
  name: "chat",
  kind: "llm",
  start_time: "2026-01-01T10:00:00.000000Z",
  status: "ok",
  model: "gpt-4o",
  source: { format: "otlp", convention: "gen_ai" },
});

/** Spans with known PII in every field kind; `seeded` lists every value (checked for leaks). */
export function piiCorpus(n: number, seed = 42): { spans: CanonicalSpan[]; seeded: Seeded[]; seededBySpan: Seeded[][] } {
  const r = rng(seed);
  const g = makeGenerators(r);
  const kinds = { email: g.email, phone: g.phone, credit_card: g.card, us_ssn: g.ssn, iban: g.iban, ip_address: g.ip, api_key: g.apiKey, jwt: g.jwt, bearer_token: g.bearer };
  const names = Object.keys(kinds) as Array<keyof typeof kinds>;
  const seeded: Seeded[] = [];
  const spans: CanonicalSpan[] = [];
  const seededBySpan: Seeded[][] = [];
  for (let i = 0; i < n; i++) {
    const first = seeded.length;
    const val = () => {
      const kind = names[Math.floor(r() * names.length)];
      const value = kinds[kind]();
      seeded.push({ kind, value });
      return g.pick(TEMPLATES)(value);
    };
    const secret = g.alnum(12);
    seeded.push({ kind: "key", value: secret });
    const s: CanonicalSpan = {
      ...baseSpan(i),
      user_id: g.email(),
      session_id: `session-${i}`,
      input: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: val() },
        { role: "user", content: [{ type: "text", text: val() }, { type: "image_url", image_url: { url: "https://example.com/cat.png" } }] },
      ],
      output: i % 2 ? { role: "assistant", content: val() } : val(),
      thinking: val(),
      status_message: val(),
      tags: ["support", val()],
      tool_calls: [
        { id: `call_${i}`, name: "lookup_customer", arguments: { query: val(), nested: { deeper: [val(), 7, true] } } },
        { id: `call_${i}b`, name: "send", arguments: JSON.stringify({ to: val(), body: "hello" }) },
      ],
      attributes: { "app.note": val(), "db.password": secret, "gen_ai.request.max_tokens": 512, "list.values": [val(), "ok"] },
      events: [{ name: "log", time: "2026-01-01T10:00:00.100000Z", attributes: { message: val() } }],
    };
    seeded.push({ kind: "email", value: s.user_id as string });
    spans.push(s);
    seededBySpan.push(seeded.slice(first));
  }
  return { spans, seeded, seededBySpan };
}

const CLEAN_USER = [
  "Can you explain the difference between a process and a thread in Linux?",
  "Write a Python function that returns the n-th Fibonacci number using memoization.",
  "What is the time complexity of quicksort in the worst case, and why?",
  "Summarize the meeting notes from 2025-11-14: we agreed to ship v2.3.1 on Friday.",
  "How many tokens does a 1500-word essay roughly use? We have a budget of 128000 tokens.",
  "Convert 72 degrees Fahrenheit to Celsius.",
  "My order #A-20931 hasn't arrived yet, it was due on March 3rd.",
  "Translate 'good morning, how are you?' into Spanish and Japanese.",
  "What does HTTP status 429 mean and how should a client react to a Retry-After of 30 seconds?",
  "Refactor this: for (let i = 0; i < arr.length; i++) { total += arr[i] * 1.07; }",
  "Give me a SQL query that counts orders per day for the last 30 days, grouped by region.",
  "Is 2^61 - 1 a prime number?",
  "The build fails with error TS2345 at src/app.ts:142:17 — what could be the cause?",
  "Plan a 3-day trip to Kyoto in April with a budget of about 1,200 USD.",
  "Why does std::vector<int>::push_back sometimes invalidate iterators?",
  "Explain how a bloom filter works, with k = 3 hash functions and m = 1024 bits.",
  "Rate limit is 10000 requests per minute; at 166.7 req/s, will we hit it?",
  "What happened at 10:30:00 UTC in the logs? The request id is 7f3e2a1c9b8d4e6f.",
  "Our p99 latency went from 250ms to 1.8s after deploying commit 9fceb02d0ae598e95dc970b74767f19372d61af8.",
  "The meeting is on 12/05/2025 at 14:00 in room 4B.",
  "Calculate 15% of 2,340.50 EUR.",
  "Describe the CAP theorem in two sentences.",
  "Docker image node:24-alpine is 57.3 MB; can we make it smaller?",
  "Parse this date: 2026-01-01T10:00:00.123456Z and tell me the weekday.",
  "Which is faster, a B-tree or an LSM tree, for write-heavy workloads?",
  "List the first 10 primes: 2, 3, 5, 7, 11, 13, 17, 19, 23, 29.",
  "The UUID 550e8400-e29b-41d4-a716-446655440000 appears twice in the table; why?",
  "Unix timestamp 1767225600 — what date is that?",
  "Our invoice total was 1234.56 and tax 234.57; please double-check.",
  "What's a good name for a bakery that also sells coffee?",
  "Color palette: #1e293b, #f8fafc, #38bdf8 — is the contrast accessible?",
  "Kubernetes pod restarts with exit code 137 every 2h; memory limit 512Mi.",
  "Install with: npm install json-logic-js@2.0.5 --save",
  "Please bear with me, I am the bearer of bad news: the release slipped.",
  "Version 3.11 of Python added the tomllib module; 3.12 improved f-strings.",
  "In chess, what is the Sicilian Defense, move 1.e4 c5?",
  "The ISBN is 978-0-13-468599-1; is the checksum right?",
  "Matrix [[1, 2], [3, 4]] times [[5, 6], [7, 8]]?",
  "Our S3 bucket llm-traces in eu-west-1 holds 4.2 TB; estimate monthly cost.",
  "Explain gradient descent with a learning rate of 0.001 and batch size 64.",
];
const CLEAN_ASSISTANT = [
  "A process has its own address space; threads share the address space of their process but have separate stacks and registers.",
  "```python\nfrom functools import lru_cache\n\n@lru_cache(maxsize=None)\ndef fib(n: int) -> int:\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n```",
  "In the worst case quicksort is O(n^2), which happens when the pivot is always the smallest or largest element.",
  "Sure! Here is the summary:\n- Ship v2.3.1 on Friday\n- Owner: platform team\n- Risk: low",
  "Roughly 2000 tokens; 128000 tokens would fit about 64 such essays.",
  "72 °F is about 22.2 °C.",
  "I'm sorry about the delay with order #A-20931. Orders usually arrive within 5-7 business days.",
  "HTTP 429 means Too Many Requests. Wait the Retry-After interval (30 s) before retrying, with jitter.",
  "```sql\nSELECT toDate(created_at) AS day, region, count() AS orders\nFROM orders\nWHERE created_at > now() - INTERVAL 30 DAY\nGROUP BY day, region\nORDER BY day;\n```",
  "Yes: 2^61 - 1 = 2305843009213693951 is a Mersenne prime.",
  "TS2345 means an argument type is not assignable to the parameter type; check the call at line 142.",
  "| Day | Plan |\n|---|---|\n| 1 | Fushimi Inari, Gion |\n| 2 | Arashiyama |\n| 3 | Nara day trip |",
  "push_back may reallocate when size() == capacity(), which invalidates all iterators.",
  "166.7 req/s × 60 = 10002 req/min, so you would just exceed the 10000/min limit.",
  "15% of 2,340.50 EUR is 351.08 EUR.",
  "Consistency, availability, partition tolerance: under a partition you must choose between C and A.",
  "2026-01-01 is a Thursday.",
  "1767225600 corresponds to 2026-01-01 00:00:00 UTC.",
  "Exit code 137 means the container was OOM-killed (128 + 9). Raise the limit or reduce memory use.",
  "The ISBN-13 check digit is computed with weights 1 and 3 modulo 10.",
  "[[19, 22], [43, 50]]",
  "At 0.023 USD per GB-month, 4.2 TB costs roughly 98.9 USD per month.",
];
const CLEAN_TOOLS = [
  { name: "search_docs", arguments: { query: "retry backoff jitter", top_k: 5 } },
  { name: "get_weather", arguments: { city: "Kyoto", unit: "celsius", date: "2026-04-10" } },
  { name: "run_sql", arguments: '{"sql":"SELECT count() FROM spans WHERE status = \'error\'","timeout_ms":5000}' },
  { name: "calculator", arguments: { expression: "2340.50 * 0.15" } },
  { name: "create_ticket", arguments: { title: "Build fails with TS2345", priority: "P2", labels: ["ci", "typescript"] } },
];

/** Realistic LLM spans without any PII (zero redactions expected with all detectors). */
export function cleanCorpus(n: number, seed = 7): CanonicalSpan[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const out: CanonicalSpan[] = [];
  for (let i = 0; i < n; i++) {
    const turns = 1 + Math.floor(r() * 4);
    const messages: Array<{ role: string; content: string }> = [{ role: "system", content: "You are a concise, helpful assistant. Answer in Markdown when useful." }];
    for (let t = 0; t < turns; t++) {
      messages.push({ role: "user", content: pick(CLEAN_USER) });
      if (t < turns - 1) messages.push({ role: "assistant", content: pick(CLEAN_ASSISTANT) });
    }
    const tool = r() < 0.4 ? [{ id: `call_${i.toString(36)}`, ...pick(CLEAN_TOOLS) }] : undefined;
    out.push({
      ...baseSpan(i),
      session_id: `sess-${(i % 97).toString(36)}`,
      user_id: `user-${i % 500}`,
      input: messages,
      output: { role: "assistant", content: pick(CLEAN_ASSISTANT) },
      thinking: r() < 0.3 ? `The user asks: ${pick(CLEAN_USER)} I should answer briefly.` : undefined,
      tool_calls: tool,
      usage: { input_tokens: 100 + Math.floor(r() * 4000), output_tokens: Math.floor(r() * 800), total_tokens: 0 },
      attributes: {
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-2024-08-06",
        "gen_ai.response.id": `chatcmpl-${Math.floor(r() * 1e12).toString(36)}`,
        "http.url": "https://api.openai.com/v1/chat/completions",
        "server.port": 443,
        "service.version": "2.14.0",
        "code.filepath": "src/agents/support.ts",
        "otel.span_id": (i * 977).toString(16).padStart(16, "0"),
        "deployment.region": "eu-west-1",
        "request.duration": "1.284s",
      },
    });
  }
  return out;
}
