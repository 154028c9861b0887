import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyStore } from "../../lib/auth/keys.ts";
import { installErrorHandler } from "../../lib/http/error-handler.ts";
import { RulesHolder } from "../../rules/runtime.ts";
import { RulesHistory, rulesHash } from "../../rules/history.ts";
import { keyAuthorizer, rulesRoutes } from "./rules-routes.ts";

const destinations = ["store", "langsmith"];
let app: FastifyInstance;
let dir: string;
let holder: RulesHolder;
const auth = { authorization: "Bearer sk-tr-rules-test-secret" };
const span = {
  schema_version: 1,
  trace_id: "0af7651916cd43dd8448eb211c80319c",
  span_id: "b7ad6b7169203331",
  parent_span_id: null,
  project_id: "default",
  name: "chat",
  kind: "llm",
  start_time: "2026-01-01T10:00:00.000000Z",
  status: "ok",
  source: { format: "otlp" },
  input: [{ role: "user", content: "I am ann@example.com" }],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tr-rules-"));
  const keys = new KeyStore(join(dir, "projects.json"));
  await keys.open({ TRACERELAY_INIT_PUBLIC_KEY: "pk-tr-rules-test-public", TRACERELAY_INIT_SECRET_KEY: "sk-tr-rules-test-secret" });
  keys.addKey("tenant", "pk-tr-tenant-public", "sk-tr-tenant-secret");
  holder = new RulesHolder(destinations, null);
  holder.history = new RulesHistory(dir);
  app = Fastify();
  installErrorHandler(app);
  await app.register(async (scope) => rulesRoutes(scope, { rules: holder, prefix: "/api/v1", authorize: keyAuthorizer(keys, ["default"]) }));
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe("rules API", () => {
  it("needs a key", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/rules" });
    expect(res.statusCode).toBe(401);
  });

  it("only an admin project may replace the rules (they are process-wide); others get 403 and nothing changes", async () => {
    const before = holder.revision;
    const res = await app.inject({
      method: "PUT",
      url: "/api/v1/rules",
      headers: { authorization: "Bearer sk-tr-tenant-secret", "content-type": "application/yaml" },
      payload: "routes:\n  - name: all\n    to: [store]\n",
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe("TR_FORBIDDEN");
    expect(holder.revision).toBe(before);
  });

  it("PUT rejects an invalid document with every problem and keeps the old rules", async () => {
    const res = await app.inject({
      method: "PUT",
      url: "/api/v1/rules",
      headers: { ...auth, "content-type": "application/yaml" },
      payload: "routes:\n  - name: r\n    to: [datadog]\n    when: { nope: 1 }\n",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.problems).toEqual([
      `request:4: routes[0] "r" when: json-logic: unknown operation "nope"`,
      `request:3: routes[0] "r" to.0: unknown destination "datadog" (configured: store, langsmith)`,
    ]);
    expect(holder.get()).toBeNull();
  });

  it("PUT installs valid rules (JSON) and GET returns them", async () => {
    const doc = { redaction: [{ detectors: ["email"], destinations: ["langsmith"] }] };
    const put = await app.inject({ method: "PUT", url: "/api/v1/rules", headers: auth, payload: doc });
    expect(put.statusCode).toBe(200);
    const get = await app.inject({ method: "GET", url: "/api/v1/rules", headers: auth });
    expect(get.json()).toMatchObject({ revision: 1, rules: doc, destinations });
  });

  it("POST /rules/test dry-runs a span against the live or a candidate rule set", async () => {
    const live = await app.inject({ method: "POST", url: "/api/v1/rules/test", headers: auth, payload: { span } });
    expect(live.statusCode).toBe(200);
    const [r] = live.json().results;
    expect(r.kept).toBe(true);
    expect(r.decisions.redactions).toEqual({ langsmith: { email: 1 } });
    expect(r.destinations.langsmith.input[0].content).toBe("I am [REDACTED:email]");
    expect(r.destinations.store.input[0].content).toBe("I am ann@example.com");

    const candidate = await app.inject({ method: "POST", url: "/api/v1/rules/test", headers: auth, payload: { span, rules: { sampling: [{ name: "none", keep: 0 }] } } });
    expect(candidate.json().results[0]).toMatchObject({ kept: false, destinations: {}, decisions: { sample: { rule: "none", kept: false } } });
    expect(holder.revision).toBe(1); // a dry-run never changes the live rules

    const bad = await app.inject({ method: "POST", url: "/api/v1/rules/test", headers: auth, payload: { span: { ...span, kind: "nope" } } });
    expect(bad.statusCode).toBe(400);
  });

  it("POST /rules/test with only `rules` validates a candidate: problems at file:line, nothing changes", async () => {
    const ok = await app.inject({ method: "POST", url: "/api/v1/rules/test", headers: auth, payload: { rules: "routes:\n  - name: all\n    to: [store]\n" } });
    expect(ok.json()).toEqual({ valid: true, results: [] });
    const bad = await app.inject({ method: "POST", url: "/api/v1/rules/test", headers: auth, payload: { rules: "redaction:\n  - custom:\n      - name: x\n        pattern: '(['\n" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.problems.join("\n")).toMatch(/^request:4: /);
  });

  it("every accepted PUT is recorded in rules-history.jsonl (who, when, document, YAML, base hash); GET /rules/history lists newest first", async () => {
    const yaml = "# keep everything\nroutes:\n  - name: all\n    to: [store]\n";
    const put = await app.inject({ method: "PUT", url: "/api/v1/rules", headers: { ...auth, "content-type": "application/yaml" }, payload: yaml });
    expect(put.statusCode).toBe(200);
    const get = (await app.inject({ method: "GET", url: "/api/v1/rules", headers: auth })).json();
    expect(get).toMatchObject({ available: true, can_edit: true, yaml, source: { kind: "api", who: "project:default", history_revision: 2 } });
    const tenant = (await app.inject({ method: "GET", url: "/api/v1/rules", headers: { authorization: "Bearer sk-tr-tenant-secret" } })).json();
    expect(tenant).toMatchObject({ can_edit: false, read_only_reason: expect.stringContaining("admin_projects") });
    const history = (await app.inject({ method: "GET", url: "/api/v1/rules/history", headers: auth })).json();
    expect(history.persisted).toBe(true);
    expect(history.items.map((e: { revision: number }) => e.revision)).toEqual([2, 1]);
    expect(history.items[0]).toMatchObject({ who: "project:default", yaml, rules: { routes: [{ name: "all", to: ["store"] }] }, base_hash: rulesHash(null), time: expect.any(String) });
    expect(history.items[1].yaml).toBeUndefined();
    const limited = (await app.inject({ method: "GET", url: "/api/v1/rules/history?limit=1", headers: auth })).json();
    expect(limited.items).toHaveLength(1);
    // refused changes are not recorded
    await app.inject({ method: "PUT", url: "/api/v1/rules", headers: { ...auth, "content-type": "application/yaml" }, payload: "routes: 7\n" });
    expect(await holder.history?.readAll()).toHaveLength(2);
  });
});

describe("rules API without a router in this process", () => {
  it("GET says where the rules are edited; changes and dry-runs answer 503", async () => {
    const bare = Fastify();
    installErrorHandler(bare);
    await bare.register(async (scope) => rulesRoutes(scope, { prefix: "/x", authorize: () => ({ who: "user:a@b", mayWrite: true }) }));
    const get = await bare.inject({ method: "GET", url: "/x/rules" });
    expect(get.json()).toMatchObject({ available: false, reason: expect.stringContaining("route role") });
    expect((await bare.inject({ method: "PUT", url: "/x/rules", payload: {} })).statusCode).toBe(503);
    expect((await bare.inject({ method: "GET", url: "/x/rules/history" })).json()).toEqual({ persisted: false, items: [] });
    await bare.close();
  });
});
