// Issue 5 acceptance, end to end on the real process: a webhook destination refuses SOME spans with a
// 400 (its receiver wants a header the config forgot); those land in the dead-letter list with the
// receiver's message while the others are delivered; a replay before the fix fails again and comes back
// with its history; after the config fix (and a restart) `tracerelay replay` delivers them — exactly
// once. GET /api/v1/destinations reports the counts and never the destination's secret, which the
// config reads from a file (${file:…}).
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContractServer, startContractServer } from "../destinations/_testkit/contract-server.ts";
import { type Letter, type LetterList, poll, webhookSpanIds } from "./harness/dead-letters.ts";
import { otlpRequest, otlpSpan } from "./harness/otlp.ts";
import { NODE_BIN, newSpanId, newTraceId, REPO_ROOT, startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

const SECRET = "whsec_e2e_deliveries_0123456789";
const VENDOR_MESSAGE = "gold-tier spans need x-schema: v2";

let receiver: ContractServer;
let tr: Tracerelay;
let secretFile: string;

const config = (headers: Record<string, string>) => `
destinations:
  store: { type: store }
  hook:
    type: webhook
    url: ${receiver.url}/ingest
    secret: "\${file:${secretFile}}"
    headers: ${JSON.stringify(headers)}
    delivery:
      batch: { max_spans: 1, max_wait_ms: 20 }
      retry: { window: 30s, initial_backoff_ms: 100, max_backoff_ms: 1000 }
status:
  heartbeat_ms: 500
`;

const accepted = () => receiver.requests.filter((r) => r.status === 200).flatMap(webhookSpanIds);


beforeAll(async () => {
  receiver = await startContractServer();
  // The receiver refuses gold-tier spans unless the request carries x-schema: v2.
  receiver.setFallback((req) =>
    req.body.toString("utf8").includes('"customer_tier":"gold"') && req.headers["x-schema"] !== "v2" ? { status: 400, body: VENDOR_MESSAGE } : { status: 200, body: "ok" },
  );
  const { mkdtemp } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  secretFile = join(await mkdtemp(join(tmpdir(), "tr-secret-")), "hook-secret");
  await writeFile(secretFile, `${SECRET}\n`);
  tr = await startTracerelay({ config: config({}) });
}, 90_000);

afterAll(async () => {
  await tr?.close();
  await receiver?.close();
});

describe("dead letters and replay", () => {
  const traceId = newTraceId();
  const gold = [newSpanId(), newSpanId()];
  const plain = [newSpanId(), newSpanId(), newSpanId(), newSpanId()];
  let firstLetters: Letter[] = [];

  it("a 400 for some spans: those are dead-lettered with the receiver's message, the rest delivered", async () => {
    const spans = [
      ...gold.map((spanId) => otlpSpan({ traceId, spanId, name: "gold", attributes: { customer_tier: "gold" } })),
      ...plain.map((spanId) => otlpSpan({ traceId, spanId, name: "plain", attributes: { customer_tier: "silver" } })),
    ];
    const res = await tr.api("/v1/traces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(otlpRequest(spans)) });
    expect(res.status).toBe(200);

    const list = await poll(
      "2 dead letters",
      async () => (await tr.api<LetterList>("/api/v1/deliveries/failed?destination=hook")).json,
      (l) => l.total?.letters === 2,
    );
    firstLetters = list.items;
    for (const letter of list.items) {
      expect(letter).toMatchObject({ destination: "hook", status: "failed", span_count: 1, trace_ids: [traceId], replay_of: [] });
      expect(letter.error).toMatchObject({ class: "permanent", code: "TR_DELIVERY_PERMANENT", status: 400 });
      expect(letter.error.message).toContain(VENDOR_MESSAGE);
    }
    const one = await tr.api<Letter>(`/api/v1/deliveries/failed/${list.items[0].id}`);
    expect(one.status).toBe(200);
    expect(gold).toContain(one.json.spans?.[0].span_id);
    expect(one.json.spans?.[0].attributes.customer_tier).toBe("gold");

    await poll("4 plain spans at the receiver", async () => accepted(), (ids) => ids.length === 4);
    expect(accepted().sort()).toEqual([...plain].sort());
    // The store got all six (it is a destination of its own, unaffected by the webhook's refusals).
    await tr.waitForTrace(traceId, { spans: 6 });
  });

  it("GET /api/v1/destinations reports both destinations' counts, never the secret", async () => {
    type Status = { destinations: Array<{ name: string; type: string; health: string; breaker: string; delivered: number; dead_lettered: number; dead_letters_open: number; instances: number; last_error: { message: string } | null; throughput: number[] }> };
    const status = await poll(
      "heartbeats with the final counts",
      async () => {
        const r = await tr.api<Status>("/api/v1/destinations");
        if (r.status !== 200) throw new Error(`GET /api/v1/destinations → ${r.status}: ${r.text}`);
        return r.json;
      },
      (s) => s.destinations.find((d) => d.name === "hook")?.dead_lettered === 2 && s.destinations.find((d) => d.name === "store")?.delivered === 6,
    );
    const hook = status.destinations.find((d) => d.name === "hook")!;
    expect(hook).toMatchObject({ type: "webhook", breaker: "closed", delivered: 4, dead_lettered: 2, dead_letters_open: 2, instances: 1 });
    expect(hook.last_error?.message).toContain(VENDOR_MESSAGE);
    expect(hook.throughput).toHaveLength(60);
    expect(JSON.stringify(status)).not.toContain(SECRET);
  });

  it("GET /api/v1/traces/:id/deliveries: each span's status per destination", async () => {
    type Deliveries = { rules_known: boolean; spans: Record<string, Array<{ destination: string; status: string; letter?: { error: string; status: string } }>> };
    const res = await poll(
      "every destination caught up",
      async () => (await tr.api<Deliveries>(`/api/v1/traces/${traceId}/deliveries`)).json,
      (d) => Object.values(d.spans).every((list) => list.every((x) => x.status !== "pending")),
    );
    expect(res.rules_known).toBe(true);
    expect(Object.keys(res.spans).sort()).toEqual([...gold, ...plain].sort());
    for (const id of gold) {
      expect(res.spans[id].find((x) => x.destination === "store")?.status).toBe("delivered");
      const hook = res.spans[id].find((x) => x.destination === "hook");
      expect(hook).toMatchObject({ status: "dead_lettered", letter: { status: "failed" } });
      expect(hook?.letter?.error).toContain(VENDOR_MESSAGE);
    }
    for (const id of plain) expect(res.spans[id].map((x) => x.status)).toEqual(["delivered", "delivered"]);
    expect((await tr.api(`/api/v1/traces/${"f".repeat(32)}/deliveries`)).status).toBe(404);
  });

  it("replay before the fix fails again; the new letters carry their history", async () => {
    const res = await tr.api<{ replayed_letters: number; replayed_spans: number; remaining: number }>("/api/v1/deliveries/replay", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ids: [firstLetters[0].id] }),
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ replayed_letters: 1, replayed_spans: 1, remaining: 0 });
    const again = await poll(
      "the replayed letter back in the list",
      async () => (await tr.api<LetterList>("/api/v1/deliveries/failed?destination=hook")).json,
      (l) => l.items.some((i) => i.replay_of.includes(firstLetters[0].id)),
    );
    const returned = again.items.find((i) => i.replay_of.includes(firstLetters[0].id))!;
    const detail = await tr.api<Letter>(`/api/v1/deliveries/failed/${returned.id}`);
    expect(detail.json.history?.map((h) => [h.id, h.status])).toEqual([[firstLetters[0].id, "replayed"]]);
    expect(again.total?.letters).toBe(2); // the old one is replayed, the new one failed: still two open
  });

  it("bad replay requests are refused with a reason", async () => {
    const post = (body: unknown) => tr.api<{ error: { code: string; message: string } }>("/api/v1/deliveries/replay", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const nothing = await post({});
    expect(nothing.status).toBe(400);
    expect(nothing.json.error.code).toBe("TR_REPLAY_INVALID");
    const unknown = await post({ filter: {}, replay_to: "nowhere" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain('"nowhere"');
    expect((await post({ filter: { error_class: "weird" } })).status).toBe(400);
  });

  it("after the config fix, `tracerelay replay` delivers every refused span exactly once", async () => {
    await writeFile(tr.configFile!, config({ "x-schema": "v2" }));
    await tr.restart();
    const run = spawn(NODE_BIN, [join(REPO_ROOT, "bin/tracerelay.ts"), "replay", "--url", tr.url, "--key", tr.secretKey, "--destination", "hook", "--page", "1"], { cwd: REPO_ROOT });
    let stdout = "";
    let stderr = "";
    run.stdout.on("data", (c) => (stdout += c));
    run.stderr.on("data", (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => run.on("close", resolve));
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(stdout).toContain("replayed 2 letter(s), 2 span(s): hook 2");
    // One progress line per page (not a TTY): 1/2 then 2/2.
    expect(stderr).toContain("1/2 letters");
    expect(stderr).toContain("2/2 letters (100%)");

    await poll("every span at the receiver", async () => accepted(), (ids) => ids.length >= 6);
    await new Promise((r) => setTimeout(r, 1000)); // nothing more may arrive
    expect(accepted().sort()).toEqual([...gold, ...plain].sort());
    const open = await tr.api<LetterList>("/api/v1/deliveries/failed?destination=hook");
    expect(open.json.total?.letters).toBe(0);
    const replayed = await tr.api<LetterList>("/api/v1/deliveries/failed?destination=hook&status=replayed");
    expect(replayed.json.items).toHaveLength(3);
  });
});
