// The delivery pages of the web UI in a real headless Chromium against a real tracerelay: a webhook
// destination whose receiver refuses "gold" spans with a 400 gets real OTLP traffic (OpenTelemetry SDK);
// Destinations shows the webhook's delivered and dead-lettered counts and its last error; Failed
// deliveries filters by destination (in the URL), opens a letter with the vendor's message and the
// payload; "Replay all matching" while the receiver still refuses brings the letters back with their
// history; once the receiver accepts, "select all" + "Replay selected" (with progress) delivers every
// span and empties the list. A viewer sees the list but cannot replay (UI and API). Screenshots at
// 1440×900 and 390×844 go to artifacts/screenshots/.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContractServer, startContractServer } from "../destinations/_testkit/contract-server.ts";
import { type LetterList, poll, webhookSpanIds } from "./harness/dead-letters.ts";
import { hashPassword } from "../lib/auth/users.ts";
import { buildUi } from "../scripts/ui/build.ts";
import { type BrowserSession, chromiumAvailable, launchBrowser, signIn, skipBrowserTests } from "./browser.ts";
import { tracerelayProvider } from "./harness/otel.ts";
import { REPO_ROOT, startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

const ADMIN = { email: "admin@example.test", password: "admin-password-1" };
const VIEWER = { email: "viewer@example.test", password: "viewer-password-1" };
const SHOTS = join(REPO_ROOT, "artifacts", "screenshots");
const VENDOR_MESSAGE = "gold-tier spans need x-schema: v2";
const GOLD = 3;
const PLAIN = 3;

let receiver: ContractServer;
/** A second destination's receiver: down (503) until the outage test brings it back. */
let flaky: ContractServer;
let refusing = true;
let tr: Tracerelay;
let dataDir: string;
let browser: BrowserSession;
let page: Page;
let traceId: string;
const goldIds: string[] = [];
let plainIds: string[] = [];
const external: string[] = [];

const config = () => `
destinations:
  store: { type: store }
  hook:
    type: webhook
    url: ${receiver.url}/ingest
    secret: whsec_ui_deliveries_0123456789
    delivery:
      batch: { max_spans: 1, max_wait_ms: 20 }
      retry: { window: 10s, initial_backoff_ms: 100, max_backoff_ms: 500 }
  flaky:
    type: webhook
    url: ${flaky.url}/ingest
    secret: whsec_ui_deliveries_0123456789
    delivery:
      batch: { max_spans: 1, max_wait_ms: 20 }
      retry: { window: 1h, initial_backoff_ms: 100, max_backoff_ms: 500 }
      breaker: { volume_threshold: 3, error_threshold_percentage: 50, reset_timeout_ms: 1500 }
status:
  heartbeat_ms: 500
`;

const accepted = () => receiver.requests.filter((r) => r.status === 200).flatMap(webhookSpanIds);

const letters = async (q = "destination=hook") => (await tr.api<LetterList>(`/api/v1/deliveries/failed?${q}`)).json;

/** One trace through the OpenTelemetry SDK (OTLP/protobuf): GOLD spans the receiver refuses, PLAIN it accepts. */
async function sendTraffic(): Promise<void> {
  const { provider, records } = tracerelayProvider({ url: tr.url, secretKey: tr.secretKey, exporter: "proto", resource: { "service.name": "ui-deliveries-svc" } });
  const tracer = provider.getTracer("ui-deliveries", "1.0.0");
  const root = tracer.startSpan("checkout", { attributes: { customer_tier: "silver" } }, ROOT_CONTEXT);
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  traceId = root.spanContext().traceId;
  plainIds = [root.spanContext().spanId];
  for (let i = 0; i < GOLD; i++) {
    const s = tracer.startSpan(`gold-step-${i}`, { attributes: { customer_tier: "gold", "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini" } }, ctx);
    s.end();
    goldIds.push(s.spanContext().spanId);
  }
  for (let i = 0; i < PLAIN - 1; i++) {
    const s = tracer.startSpan(`plain-step-${i}`, { attributes: { customer_tier: "silver" } }, ctx);
    s.end();
    plainIds.push(s.spanContext().spanId);
  }
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  expect(records.filter((r) => r.code !== 0)).toEqual([]);
}

async function shoot(name: string): Promise<void> {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(SHOTS, `${name}-1440x900.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  // nothing wider than the screen: no horizontal scrolling of the page itself
  expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
  await page.screenshot({ path: join(SHOTS, `${name}-390x844.png`), fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.waitForTimeout(100);
}

/** Holds each replay request for a moment so the progress bar can be seen. */
async function slowReplays(p: Page): Promise<void> {
  await p.route("**/ui/api/v1/deliveries/replay", async (route) => {
    await new Promise((r) => setTimeout(r, 700));
    await route.continue();
  });
}

describe.skipIf(skipBrowserTests())("delivery pages in headless Chromium", () => {
  beforeAll(async () => {
    if (!chromiumAvailable()) throw new Error("/usr/bin/chromium is missing: run `node scripts/chromium/install.ts` (as root)");
    buildUi();
    await mkdir(SHOTS, { recursive: true });
    receiver = await startContractServer();
    flaky = await startContractServer();
    flaky.setFallback({ status: 503, body: "flaky is down for maintenance" });
    receiver.setFallback((req) => (refusing && req.body.toString("utf8").includes('"customer_tier":"gold"') ? { status: 400, body: VENDOR_MESSAGE } : { status: 200, body: "ok" }));
    dataDir = await mkdtemp(join(tmpdir(), "tracerelay-ui-deliveries-"));
    // The viewer is written before start (there is no user admin API); the admin comes from the environment.
    const viewer = { id: "viewer0001", email: VIEWER.email, role: "viewer", password: await hashPassword(VIEWER.password), created_at: new Date().toISOString() };
    await writeFile(join(dataDir, "users.json"), JSON.stringify({ users: [viewer] }));
    tr = await startTracerelay({
      dataDir,
      config: config(),
      env: { TRACERELAY_INIT_ADMIN_EMAIL: ADMIN.email, TRACERELAY_INIT_ADMIN_PASSWORD: ADMIN.password },
    });
    await sendTraffic();
    await poll("the gold spans dead-lettered", () => letters(), (l) => l.total?.letters === GOLD);
    await poll("the plain spans at the receiver", async () => accepted(), (ids) => ids.length === PLAIN);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(tr.url) && !u.startsWith("data:")) external.push(u);
    });
    await signIn(page, tr.url, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await browser?.close();
    await tr?.close();
    await receiver?.close();
    await flaky?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("Destinations: the webhook's card shows delivered and dead-lettered counts, its last error and a sparkline", async () => {
    await page.getByRole("link", { name: "Destinations", exact: true }).click();
    await page.waitForURL(/\/destinations$/);
    const card = page.getByTestId("destination-hook");
    // the page re-reads every 5 s: the heartbeats catch up without a reload
    await expect.poll(() => card.getByTestId("dead-lettered").textContent(), { timeout: 20_000 }).toBe(String(GOLD));
    await expect.poll(() => card.getByTestId("delivered").textContent(), { timeout: 20_000 }).toBe(String(PLAIN));
    expect(await card.getByTestId("last-error").textContent()).toContain(VENDOR_MESSAGE);
    expect(await card.getByTestId("last-error").textContent()).toMatch(/\d+ (s|min) ago/);
    expect(await card.getByTestId("health").textContent()).toMatch(/^(Healthy|Degraded)$/);
    expect(await card.getByTestId("breaker").textContent()).toBe("closed");
    expect(await card.locator("h2").textContent()).toBe("hook");
    expect(await card.textContent()).toContain("webhook");
    await expect.poll(() => card.getByTestId("dead-letters-open").textContent(), { timeout: 10_000 }).toBe(`${GOLD} spans`);
    expect(await page.getByTestId("spark-hook").locator("svg path").count()).toBeGreaterThan(0);
    const store = page.getByTestId("destination-store");
    await expect.poll(() => store.getByTestId("delivered").textContent(), { timeout: 20_000 }).toBe(String(GOLD + PLAIN));
    expect(await store.getByTestId("dead-letters-open").textContent()).toBe("0");
    await shoot("destinations");
    // the open dead-letter count links to the failed deliveries of that destination
    await card.getByTestId("dead-letters-open").click();
    await page.waitForURL(/\/failed-deliveries\?destination=hook$/);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 10_000 }).toBe(GOLD);
  });

  it("an outage shows on the dashboard: the flaky destination goes Down with its breaker open, then recovers and delivers everything", async () => {
    await page.getByRole("link", { name: "Destinations", exact: true }).click();
    await page.waitForURL(/\/destinations$/);
    const card = page.getByTestId("destination-flaky");
    await expect.poll(() => card.getByTestId("health").textContent(), { timeout: 30_000 }).toBe("Down");
    expect(await card.getByTestId("breaker").textContent()).toBe("open");
    expect(await card.getByTestId("last-error").textContent()).toContain("503");
    await shoot("destinations-outage");
    // The spans waited (on the bus, not dead-lettered); after recovery every one arrives.
    flaky.setFallback({ status: 200, body: "ok" });
    await expect.poll(() => card.getByTestId("delivered").textContent(), { timeout: 30_000 }).toBe(String(GOLD + PLAIN));
    expect(await card.getByTestId("health").textContent()).not.toBe("Down");
    expect(await card.getByTestId("breaker").textContent()).toBe("closed");
    expect((await letters("destination=flaky")).total?.letters).toBe(0);
  });

  it("Failed deliveries: filter by destination (in the URL), open a letter: the vendor's message and the payload", async () => {
    await page.getByRole("link", { name: "Failed deliveries", exact: true }).click();
    await page.waitForURL(/\/failed-deliveries$/);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 10_000 }).toBe(GOLD);
    await page.getByLabel("Destination").selectOption("hook");
    await page.getByLabel("Error class").selectOption("permanent");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/destination=hook&error_class=permanent/);
    await expect.poll(() => page.getByTestId("fd-total").textContent(), { timeout: 10_000 }).toContain(`${GOLD} letters (${GOLD} spans) match`);
    expect(await page.locator("tbody tr").count()).toBe(GOLD);
    // a destination with no letters: an empty list
    await page.goto(`${tr.url}/failed-deliveries?destination=store`);
    await page.getByText("No dead letters match these filters.").waitFor();
    await page.goBack();
    await page.waitForURL(/destination=hook/);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 10_000 }).toBe(GOLD);

    // keyboard: the letter link opens the detail panel
    const first = page.locator("tbody tr").first();
    const id = await first.getAttribute("data-letter-id");
    await first.locator("td:nth-child(2) a").focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`letter=${id}`));
    const detail = page.getByTestId("letter-detail");
    await expect.poll(() => detail.getByTestId("letter-error-message").textContent(), { timeout: 10_000 }).toContain(VENDOR_MESSAGE);
    const text = (await detail.textContent()) ?? "";
    expect(text).toContain("permanent");
    expect(text).toContain("TR_DELIVERY_PERMANENT");
    expect(text).toContain("400");
    expect(text).toContain(traceId);
    expect(text).toContain("First failure: not a replay.");
    const payload = (await detail.getByTestId("letter-payload").textContent()) ?? "";
    expect(goldIds.some((s) => payload.includes(s))).toBe(true);
    expect(payload).toContain("customer_tier");
    await detail.getByLabel("Search payload").fill("customer_tier");
    expect(await detail.locator(".j-hits").textContent()).toContain("gold");
    await detail.getByLabel("Search payload").fill("");
    await shoot("failed-deliveries");
    await detail.getByRole("button", { name: "Close detail" }).click();
    await page.waitForURL((u) => !u.search.includes("letter="));
  });

  it("Trace view: the span detail shows where the span went — failed at the webhook with the reason, delivered to the store", async () => {
    const back = page.url(); // the next tests continue on the failed-deliveries list
    await page.goto(`${tr.url}/traces/${traceId}?span=${goldIds[0]}`);
    const section = page.getByTestId("span-deliveries");
    await expect.poll(() => section.getByTestId("delivery-hook").textContent(), { timeout: 20_000 }).toContain("failed");
    expect(await section.getByTestId("delivery-hook").textContent()).toContain(VENDOR_MESSAGE);
    await expect.poll(() => section.getByTestId("delivery-store").textContent(), { timeout: 20_000 }).toContain("delivered");
    await page.goto(`${tr.url}/traces/${traceId}?span=${plainIds[1]}`);
    await expect.poll(() => page.getByTestId("span-deliveries").getByTestId("delivery-hook").textContent(), { timeout: 20_000 }).toContain("delivered");
    await page.getByTestId("span-deliveries").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, "trace-view-deliveries-1440x900.png") });
    await page.goto(back);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 10_000 }).toBe(GOLD);
  });

  it("Replay all matching while the receiver still refuses: progress, then the letters come back with their history", async () => {
    await slowReplays(page);
    const before = (await letters()).items.map((l) => l.id);
    await page.getByRole("button", { name: "Replay all matching" }).click();
    const progress = page.getByTestId("replay-progress");
    await progress.waitFor();
    expect(await progress.textContent()).toMatch(new RegExp(`0 / ${GOLD} letters`));
    expect(await progress.locator("progress").getAttribute("max")).toBe(String(GOLD));
    await expect.poll(() => page.getByTestId("replay-result").textContent(), { timeout: 15_000 }).toContain(`Replayed ${GOLD} letters (${GOLD} spans) → hook ${GOLD}`);
    await page.unroute("**/ui/api/v1/deliveries/replay");
    const again = await poll("the replays dead-lettered again", () => letters(), (l) => l.total?.letters === GOLD && l.items.every((i) => i.replay_of.length === 1));
    expect(again.items.flatMap((i) => i.replay_of).sort()).toEqual([...before].sort());
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => page.locator("tbody tr .tag").count(), { timeout: 10_000 }).toBe(GOLD);
    await page.locator("tbody tr").first().click();
    const history = page.getByTestId("letter-history");
    await history.waitFor();
    expect(before).toContain((await history.locator("li button").first().textContent())?.trim());
    expect(await history.textContent()).toContain("replayed");
    await page.getByTestId("letter-detail").getByRole("button", { name: "Close detail" }).click();
  });

  it("after the receiver accepts: select all, replay selected with progress; every span delivered, the list empty", async () => {
    refusing = false;
    await slowReplays(page);
    const selectAll = page.getByLabel("Select all failed letters shown");
    await selectAll.focus();
    await page.keyboard.press("Space");
    expect(await selectAll.isChecked()).toBe(true);
    expect(await page.locator("tbody input[type=checkbox]:checked").count()).toBe(GOLD);
    expect(await page.getByTestId("fd-total").textContent()).toContain(`${GOLD} selected`);
    // each row's checkbox is labelled
    expect(await page.getByLabel(/^Select letter /).count()).toBe(GOLD);
    await page.getByRole("button", { name: `Replay selected (${GOLD})` }).click();
    await page.getByTestId("replay-progress").waitFor();
    expect(await page.getByTestId("replay-progress").textContent()).toContain(`0 / ${GOLD} letters`);
    await expect.poll(() => page.getByTestId("replay-result").textContent(), { timeout: 15_000 }).toContain(`Replayed ${GOLD} letters (${GOLD} spans) → hook ${GOLD}`);
    await page.unroute("**/ui/api/v1/deliveries/replay");
    // the receiver got every span (the gold ones through the replay), each exactly once
    await poll("every span at the receiver", async () => accepted(), (ids) => ids.length >= GOLD + PLAIN);
    await new Promise((r) => setTimeout(r, 1000));
    expect(accepted().sort()).toEqual([...goldIds, ...plainIds].sort());
    expect((await letters()).total?.letters).toBe(0);
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByText("No dead letters match these filters.").waitFor();
    expect(await page.getByTestId("fd-total").textContent()).toContain("0 letters");
    // the replayed ones are still there under status "replayed"
    await page.getByLabel("Status").selectOption("replayed");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/status=replayed/);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 10_000 }).toBe(2 * GOLD);
  });

  it("a viewer sees the letters but cannot replay (buttons disabled with the reason; the API answers 403)", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Email").waitFor();
    await signIn(page, tr.url, VIEWER.email, VIEWER.password);
    expect(await page.locator(".role").textContent()).toBe("viewer");
    await page.goto(`${tr.url}/failed-deliveries?status=all&destination=hook`);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 10_000 }).toBe(2 * GOLD);
    expect(await page.getByTestId("replay-denied").textContent()).toContain("admin role");
    expect(await page.getByRole("button", { name: /Replay selected/ }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Replay all matching" }).isDisabled()).toBe(true);
    const describedBy = await page.getByRole("button", { name: "Replay all matching" }).getAttribute("aria-describedby");
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toContain("viewer");
    // the API refuses too, for a request exactly as the browser would send it (session cookie + CSRF header)
    const cookies = await browser.context.cookies(tr.url);
    const csrf = decodeURIComponent(cookies.find((c) => c.name === "tr_csrf")?.value ?? "");
    const r = await fetch(`${tr.url}/ui/api/v1/deliveries/replay`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf, cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") },
      body: JSON.stringify({ filter: {} }),
    });
    const res = { status: r.status, body: (await r.json()) as { error: { code: string } } };
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("TR_FORBIDDEN");
    await page.screenshot({ path: join(SHOTS, "failed-deliveries-viewer-1440x900.png") });
  });

  it("made no request outside tracerelay", () => {
    expect(external).toEqual([]);
  });
});
