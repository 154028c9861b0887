// The delivery pages of the web UI in a real headless Chromium against a real tracerelay: a webhook
// destination whose receiver refuses "gold" spans with a 400 gets real OTLP traffic (OpenTelemetry SDK);
// Destinations shows the webhook's delivered and dead-lettered counts and its last error; Failed
// deliveries filters by destination (in the URL), opens a letter with the vendor's message and the
// payload; "Replay all matching" while the receiver still refuses brings the letters back with their
// history; once the receiver accepts, "select all" + "Replay selected" (with progress) delivers every
// span and empties the list. A viewer sees the list but cannot replay (UI and API). Screenshots at
// 1440×900 and 390×844 go to artifacts/screenshots/.
import { join } from "node:path";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContractServer, startContractServer } from "../destinations/_testkit/contract-server.ts";
import { type LetterList, poll, webhookSpanIds } from "./harness/dead-letters.ts";
import { ADMIN, fetchAsBrowser, SCREENSHOTS, screenshots, skipBrowserTests, startUi, switchUser, type UiRun, VIEWER } from "./browser.ts";
import { tracerelayProvider } from "./harness/otel.ts";
import type { Tracerelay } from "./harness/tracerelay.ts";

const VENDOR_MESSAGE = "gold-tier spans need x-schema: v2";
const GOLD = 3;
const PLAIN = 3;

let receiver: ContractServer;
/** A second destination's receiver: down (503) until the outage test brings it back. */
let flaky: ContractServer;
let refusing = true;
let ui: UiRun;
let tr: Tracerelay;
let page: Page;
let traceId: string;
const goldIds: string[] = [];
let plainIds: string[] = [];

/** A webhook destination (one span per batch) sending to `server`, retrying within `window`. */
const webhook = (server: ContractServer, window: string, extraDelivery = "") => `
    type: webhook
    url: ${server.url}/ingest
    secret: whsec_ui_deliveries_0123456789
    delivery:
      batch: { max_spans: 1, max_wait_ms: 20 }
      retry: { window: ${window}, initial_backoff_ms: 100, max_backoff_ms: 500 }${extraDelivery}`;

const config = () => `
destinations:
  store: { type: store }
  hook:${webhook(receiver, "10s")}
  flaky:${webhook(flaky, "1h", "\n      breaker: { volume_threshold: 3, error_threshold_percentage: 50, reset_timeout_ms: 1500 }")}
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

/** Holds each replay request for a moment so the progress bar can be seen. */
async function slowReplays(p: Page): Promise<void> {
  await p.route("**/ui/api/v1/deliveries/replay", async (route) => {
    await new Promise((r) => setTimeout(r, 700));
    await route.continue();
  });
}

describe.skipIf(skipBrowserTests())("delivery pages in headless Chromium", () => {
  beforeAll(async () => {
    receiver = await startContractServer();
    flaky = await startContractServer();
    flaky.setFallback({ status: 503, body: "flaky is down for maintenance" });
    receiver.setFallback((req) => (refusing && req.body.toString("utf8").includes('"customer_tier":"gold"') ? { status: 400, body: VENDOR_MESSAGE } : { status: 200, body: "ok" }));
    ui = await startUi({ config: config(), viewer: true, signInAs: ADMIN });
    ({ tr, page } = ui);
    await sendTraffic();
    await poll("the gold spans dead-lettered", () => letters(), (l) => l.total?.letters === GOLD);
    await poll("the plain spans at the receiver", async () => accepted(), (ids) => ids.length === PLAIN);
  });

  afterAll(async () => {
    await ui?.close();
    await receiver?.close();
    await flaky?.close();
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
    await screenshots(page, "destinations");
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
    await screenshots(page, "destinations-outage");
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
    await screenshots(page, "failed-deliveries");
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
    await page.screenshot({ path: join(SCREENSHOTS, "trace-view-deliveries-1440x900.png") });
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
    await switchUser(page, tr.url, VIEWER.email, VIEWER.password);
    expect(await page.locator(".role").textContent()).toBe("viewer");
    await page.goto(`${tr.url}/failed-deliveries?status=all&destination=hook`);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 10_000 }).toBe(2 * GOLD);
    expect(await page.getByTestId("replay-denied").textContent()).toContain("admin role");
    expect(await page.getByRole("button", { name: /Replay selected/ }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Replay all matching" }).isDisabled()).toBe(true);
    const describedBy = await page.getByRole("button", { name: "Replay all matching" }).getAttribute("aria-describedby");
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toContain("viewer");
    // the API refuses too, for a request exactly as the browser would send it (session cookie + CSRF header)
    const res = await fetchAsBrowser<{ error: { code: string } }>(ui.browser.context, tr.url, "POST", "/ui/api/v1/deliveries/replay", JSON.stringify({ filter: {} }), "application/json");
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("TR_FORBIDDEN");
    await page.screenshot({ path: join(SCREENSHOTS, "failed-deliveries-viewer-1440x900.png") });
  });

  it("made no request outside tracerelay", () => {
    expect(ui.external).toEqual([]);
  });
});
