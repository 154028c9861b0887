// The Rules page in a real headless Chromium against a real tracerelay (every role in one process):
// two destinations (the store and a webhook); the config file redacts emails for the webhook only.
// An admin opens Rules, dry-runs a span picked from a recent trace (the webhook's copy is redacted, the
// store's is not), types a mistake (an unknown destination) — the error is marked at its line and save
// is refused (the API still serves the old rules) — fixes it and saves: the router applies it at once
// (a new span reaches the store redacted), the history shows the change with who/when, and "load into
// editor" works. The admin adds a viewer on the Users page; the viewer sees the rules read-only with the
// reason and the API answers 403. The sign-in rate limit answers 429 with Retry-After. A restart
// re-applies the saved rules (the config file is unchanged). Screenshots at 1440×900 and 390×844.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContractServer, startContractServer } from "../destinations/_testkit/contract-server.ts";
import { ADMIN, fetchAsBrowser, SCREENSHOTS, screenshots, skipBrowserTests, startUi, switchUser, type UiRun, VIEWER } from "./browser.ts";
import { otlpRequest, otlpSpan } from "./harness/otlp.ts";
import { newSpanId, newTraceId, type Tracerelay } from "./harness/tracerelay.ts";

const EMAIL = "ann@example.com";

// a mistake on line 7 (an unknown destination), then the fix: redact emails for every destination
const BROKEN = `redaction:
  - detectors: [email]
    fields: [input, attributes]
routes:
  - name: everything
    to:
      [store, hook, datadog]
`;
const FIXED = `# emails are redacted for every destination
redaction:
  - detectors: [email]
    fields: [input, attributes]
routes:
  - name: everything
    to: [store, hook]
`;

let receiver: ContractServer;
let ui: UiRun;
let tr: Tracerelay;
let page: Page;
let firstTrace: string;

const config = () => `
destinations:
  store: { type: store }
  hook:
    type: webhook
    url: ${receiver.url}/ingest
    secret: whsec_ui_rules_0123456789abcdef
    delivery:
      batch: { max_spans: 1, max_wait_ms: 20 }
rules:
  redaction:
    - detectors: [email]
      destinations: [hook]
      fields: [input, attributes]
`;

async function send(name: string): Promise<string> {
  const traceId = newTraceId();
  const span = otlpSpan({ traceId, spanId: newSpanId(), name, attributes: { "gen_ai.operation.name": "chat", "customer.email": EMAIL } });
  const res = await tr.api("/v1/traces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(otlpRequest([span], { "service.name": "ui-rules-svc" })) });
  expect(res.status).toBe(200);
  return traceId;
}

type RulesGet = { revision: number; rules: unknown; source: { kind: string; who?: string } };
const liveRules = async () => (await tr.api<RulesGet>("/api/v1/rules")).json;

/** A request exactly as the browser would send it (session cookie + CSRF header). */
const asBrowser = (method: string, path: string, body: string, contentType: string) => fetchAsBrowser<{ error?: { code: string } }>(ui.browser.context, tr.url, method, path, body, contentType);

describe.skipIf(skipBrowserTests())("the Rules page in headless Chromium", () => {
  beforeAll(async () => {
    receiver = await startContractServer();
    receiver.setFallback(() => ({ status: 200, body: "ok" }));
    ui = await startUi({ config: config(), signInAs: ADMIN });
    ({ tr, page } = ui);
    firstTrace = await send("support-chat");
    const stored = await tr.waitForTrace(firstTrace, { spans: 1 });
    expect(stored.spans[0].attributes?.["customer.email"]).toBe(EMAIL); // the store is not redacted yet
  });

  afterAll(async () => {
    await ui?.close();
    await receiver?.close();
  });

  it("Rules is in the top bar; the editor shows the config file's rules; a span from a recent trace dry-runs per destination", async () => {
    await page.getByRole("link", { name: "Rules", exact: true }).click();
    await page.waitForURL(/\/rules$/);
    const editor = page.getByLabel("Rules YAML");
    await expect.poll(() => editor.inputValue(), { timeout: 10_000 }).toContain("detectors:");
    expect(await editor.inputValue()).toContain("hook");
    expect(await page.getByTestId("rules-source").textContent()).toContain("from the configuration file");
    expect(await editor.getAttribute("readonly")).toBeNull();

    // pick the trace, its span fills the JSON box; run against the editor's (= live) rules
    const traceSelect = page.getByLabel("Recent trace");
    await expect.poll(() => traceSelect.locator("option").count(), { timeout: 10_000 }).toBeGreaterThan(1);
    await traceSelect.selectOption(firstTrace);
    await expect.poll(() => page.getByLabel(/Span JSON/).inputValue(), { timeout: 10_000 }).toContain(EMAIL);
    await page.getByRole("button", { name: "Run dry-run" }).click();
    const results = page.getByTestId("dry-results");
    await results.waitFor();
    expect(await results.getByTestId("dry-kept").first().textContent()).toBe("kept");
    const hook = results.getByTestId("dry-dest-hook");
    expect(await hook.getByTestId("dry-redactions").textContent()).toContain("email ×1");
    const hookDiff = (await hook.getByTestId("dry-diff-hook").textContent()) ?? "";
    expect(hookDiff).toContain("[REDACTED:email]");
    expect(await hook.locator(".diff-del").first().textContent()).toContain(EMAIL);
    expect(await hook.locator(".diff-add").first().textContent()).toContain("[REDACTED:email]");
    const store = results.getByTestId("dry-dest-store");
    expect(await store.textContent()).toContain("no redaction");
    expect(await store.textContent()).toContain("identical to the original span");
    await screenshots(page, "rules");
  });

  it("a mistake is marked at its line, save is refused and the old rules stay in effect", async () => {
    const before = await liveRules();
    const editor = page.getByLabel("Rules YAML");
    await editor.fill(BROKEN);
    await page.getByRole("button", { name: "Validate" }).click();
    const problems = page.getByTestId("rules-problems");
    await problems.waitFor();
    expect(await problems.textContent()).toContain('unknown destination "datadog"');
    expect(await problems.textContent()).toContain("line 7");
    expect(await page.getByTestId("line-marker-7").getAttribute("title")).toContain('unknown destination "datadog"');
    expect(await page.locator(".gutter-err").count()).toBe(1);
    expect(await editor.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("button", { name: "Save" }).isDisabled()).toBe(true);
    // "line 7" puts the cursor on that line
    await problems.getByRole("button", { name: "line 7" }).click();
    expect(await page.evaluate<number>("document.activeElement.value.slice(0, document.activeElement.selectionStart).split('\\n').length")).toBe(7);
    await screenshots(page, "rules-invalid");
    // the API refuses the same text and keeps the old rules
    const refused = await asBrowser("PUT", "/ui/api/v1/rules", BROKEN, "application/yaml");
    expect(refused.status).toBe(400);
    const after = await liveRules();
    expect(after.revision).toBe(before.revision);
    expect(after.rules).toEqual(before.rules);
  });

  it("fixed and saved: the router applies it at once (a new span reaches the store redacted); the history shows who and when", async () => {
    const editor = page.getByLabel("Rules YAML");
    await editor.fill(FIXED);
    await page.getByRole("button", { name: "Validate" }).click();
    await page.getByTestId("rules-valid").waitFor();
    expect(await page.locator(".gutter-err").count()).toBe(0);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByTestId("rules-saved").waitFor();
    const live = await liveRules();
    expect(live.source).toMatchObject({ kind: "api", who: `user:${ADMIN.email}` });
    expect(live.rules).toEqual({ redaction: [{ detectors: ["email"], fields: ["input", "attributes"] }], routes: [{ name: "everything", to: ["store", "hook"] }] });
    expect(await editor.inputValue()).toBe(FIXED); // the YAML as saved, comment included
    expect(await page.getByTestId("rules-source").textContent()).toContain(`by ${ADMIN.email}`);

    const id = await send("after-save");
    const stored = await tr.waitForTrace(id, { spans: 1 });
    expect(stored.spans[0].attributes?.["customer.email"]).toBe("[REDACTED:email]");

    const history = page.getByTestId("rules-history");
    await expect.poll(() => history.locator("tbody tr").count(), { timeout: 10_000 }).toBe(1);
    expect(await history.getByTestId("history-who").first().textContent()).toBe(ADMIN.email);
    expect(await history.locator("tbody tr").first().getAttribute("data-revision")).toBe("1");
    // load into editor: edit away, then load revision 1 back
    await editor.fill("sampling: []\n");
    await page.getByRole("button", { name: "Load revision 1 into the editor" }).click();
    expect(await editor.inputValue()).toBe(FIXED);
    await screenshots(page, "rules-saved");
  });

  it("the Users page adds a viewer; the viewer sees the rules read-only with the reason and the API answers 403", async () => {
    await page.getByRole("link", { name: "Users", exact: true }).click();
    await page.waitForURL(/\/users$/);
    const form = page.getByRole("form", { name: "Add a user" });
    await form.getByLabel("Email").fill(VIEWER.email);
    await form.getByLabel(/Password/).fill(VIEWER.password);
    await form.getByLabel("Role").selectOption("viewer");
    await form.getByRole("button", { name: "Add user" }).click();
    await page.locator(`tr[data-user="${VIEWER.email}"]`).waitFor();
    expect(await page.getByTestId("users").textContent()).not.toContain(VIEWER.password);
    await screenshots(page, "users");

    await switchUser(page, tr.url, VIEWER.email, VIEWER.password);
    expect(await page.locator(".role").textContent()).toBe("viewer");
    expect(await page.getByRole("link", { name: "Users", exact: true }).count()).toBe(0);
    await page.goto(`${tr.url}/rules`);
    const editor = page.getByLabel("Rules YAML");
    await expect.poll(() => editor.inputValue(), { timeout: 10_000 }).toBe(FIXED);
    expect(await editor.getAttribute("readonly")).not.toBeNull();
    expect(await page.getByTestId("read-only-reason").textContent()).toContain("viewer");
    expect(await page.getByRole("button", { name: "Save" }).isDisabled()).toBe(true);
    // the history is visible to viewers too
    await expect.poll(() => page.getByTestId("rules-history").locator("tbody tr").count(), { timeout: 10_000 }).toBe(1);
    const res = await asBrowser("PUT", "/ui/api/v1/rules", "sampling: []\n", "application/yaml");
    expect(res.status).toBe(403);
    expect(res.json.error?.code).toBe("TR_FORBIDDEN");
    expect((await asBrowser("POST", "/ui/api/v1/users", JSON.stringify({ email: "x@example.test", password: "x-password-1", role: "admin" }), "application/json")).status).toBe(403);
    expect((await liveRules()).source.kind).toBe("api");
    await page.screenshot({ path: join(SCREENSHOTS, "rules-viewer-1440x900.png"), fullPage: true });
  });

  it("made no request outside tracerelay", () => {
    expect(ui.external).toEqual([]);
  });

  it("sign-in: 5 failures for one email → 429 with Retry-After", async () => {
    const me = await fetch(`${tr.url}/ui/api/me`);
    const csrf = /tr_csrf=([^;]+)/.exec(me.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const attempt = () =>
      fetch(`${tr.url}/ui/api/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf, cookie: `tr_csrf=${csrf}` },
        body: JSON.stringify({ email: VIEWER.email, password: "wrong-password" }),
      });
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401);
    const blocked = await attempt();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("a restart re-applies the rules saved through the UI (the config file's rules are unchanged)", async () => {
    await tr.restart();
    const live = await liveRules();
    expect(live.source).toMatchObject({ kind: "api", who: `user:${ADMIN.email}` });
    expect(live.rules).toEqual({ redaction: [{ detectors: ["email"], fields: ["input", "attributes"] }], routes: [{ name: "everything", to: ["store", "hook"] }] });
    const id = await send("after-restart");
    expect((await tr.waitForTrace(id, { spans: 1 })).spans[0].attributes?.["customer.email"]).toBe("[REDACTED:email]");
  });
});
