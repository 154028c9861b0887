// Rules through the real process: a `rules:` section in tracerelay.yaml redacts PII before the store
// sees it and samples whole traces; editing the file swaps the rules live (a bad edit keeps the old
// ones); the rules API answers with what the store would receive.
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otlpRequest, otlpSpan } from "./harness/otlp.ts";
import { newSpanId, newTraceId, startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

const RULES_V1 = `rules:
  redaction:
    - detectors: [email, credit_card]
      fields: [input, attributes]
      mode: mask
  sampling:
    - name: drop-health-checks
      when: { "==": [ { var: name }, "health-check" ] }
      keep: 0
`;
const RULES_V2 = `rules:
  hash_key: e2e-hash-key-0123456789
  redaction:
    - detectors: [email]
      fields: [input, attributes]
      mode: hash
`;

let tr: Tracerelay;
beforeAll(async () => {
  tr = await startTracerelay({ config: RULES_V1 });
});
afterAll(async () => {
  await tr?.close();
});

async function send(traceId: string, name: string, text: string): Promise<void> {
  const span = otlpSpan({ traceId, spanId: newSpanId(), name, attributes: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: text }] }]), "customer.email": "ann@example.com" } });
  const res = await tr.api("/v1/traces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(otlpRequest([span])) });
  expect(res.status).toBe(200);
}

describe("rules in the running process", () => {
  it("redacts before the store, in messages and attributes, and drops sampled-out traces whole", async () => {
    const kept = newTraceId();
    await send(kept, "chat", "Mail ann@example.com, card 4111 1111 1111 1111");
    const dropped = newTraceId();
    await send(dropped, "health-check", "ping");
    const trace = await tr.waitForTrace(kept, { spans: 1 });
    const stored = JSON.stringify(trace.spans[0]);
    expect(stored).not.toContain("ann@example.com");
    expect(stored).not.toContain("4111 1111 1111 1111");
    expect(trace.spans[0].input).toEqual([{ role: "user", content: "Mail [REDACTED:email], card [REDACTED:credit_card]" }]);
    expect(trace.spans[0].attributes?.["customer.email"]).toBe("[REDACTED:email]");
    // The router counted the health check as dropped by its rule, and the store never got it.
    const deadline = Date.now() + 15_000;
    let droppedCount = 0;
    while (Date.now() < deadline && droppedCount < 1) {
      const text = await (await fetch(`${tr.url}/metrics`)).text();
      droppedCount = Number(/^tracerelay_rule_sampling_total\{rule="drop-health-checks",outcome="dropped"\} (\d+)/m.exec(text)?.[1] ?? 0);
      if (droppedCount < 1) await new Promise((ok) => setTimeout(ok, 100));
    }
    expect(droppedCount).toBe(1);
    const rulesSeconds = Number(/^tracerelay_router_rules_seconds_total (\S+)/m.exec(await (await fetch(`${tr.url}/metrics`)).text())?.[1]);
    expect(rulesSeconds).toBeGreaterThan(0);
    expect((await tr.api(`/api/v1/traces/${dropped}`)).status).toBe(404);
  });

  it("an edited config file swaps the rules live; a broken edit keeps the previous rules", async () => {
    const file = tr.configFile as string;
    await writeFile(file, `${RULES_V2}`);
    const deadline = Date.now() + 15_000;
    let masked = "";
    // The watcher applies the new rules shortly after the write: send until a span shows the hash mode.
    while (Date.now() < deadline && !masked.startsWith("[HASH:email:")) {
      const id = newTraceId();
      await send(id, "chat", "hi");
      masked = String((await tr.waitForTrace(id, { spans: 1 })).spans[0].attributes?.["customer.email"]);
    }
    expect(masked).toMatch(/^\[HASH:email:hmac_[0-9a-f]{16}\]$/);

    await writeFile(file, "rules:\n  redaction:\n    - detectors: [no_such_detector]\n");
    await new Promise((ok) => setTimeout(ok, 1500));
    const rejected = tr.logRecords().find((r) => r.msg === "rules reload rejected; keeping the previous rules");
    expect(JSON.stringify(rejected?.problems)).toMatch(/detectors/);
    const id = newTraceId();
    await send(id, "chat", "hi");
    expect((await tr.waitForTrace(id, { spans: 1 })).spans[0].attributes?.["customer.email"]).toBe(masked); // still hashing, same key → same value
    expect(await readFile(file, "utf8")).toContain("no_such_detector");
  });

  it("dry-run answers what the store would receive, without storing", async () => {
    const span = {
      schema_version: 1,
      trace_id: newTraceId(),
      span_id: newSpanId(),
      project_id: "default",
      name: "chat",
      kind: "llm",
      start_time: "2026-01-01T10:00:00.000000Z",
      status: "ok",
      source: { format: "otlp" },
      input: "write to bob@example.org",
    };
    const res = await tr.api<{ results: Array<{ destinations: Record<string, unknown> }> }>("/api/v1/rules/test", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ span }) });
    expect(res.status, res.text).toBe(200);
    expect(JSON.stringify(res.json)).toContain("[HASH:email:hmac_");
    expect(JSON.stringify(res.json)).not.toContain("bob@example.org");
    expect((await tr.api(`/api/v1/traces/${span.trace_id}`)).status).toBe(404);
  });
});
