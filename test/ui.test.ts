// The web UI in a real headless Chromium against a real tracerelay fed by the OpenTelemetry SDK:
// sign-in (wrong password, then right), find a trace by filter, open it, check the tree, waterfall and
// span detail (model, tokens, thinking, tool call), open its session, analytics charts drawn, a viewer
// can view; plus the sign-in API's cookie and CSRF rules. Screenshots of every page at 1440×900 and
// 390×844 go to artifacts/screenshots/.
import { join } from "node:path";
import { ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, SCREENSHOTS, screenshots, skipBrowserTests, startUi, switchUser, type UiRun, VIEWER } from "./browser.ts";
import { tracerelayProvider } from "./harness/otel.ts";
import type { Tracerelay } from "./harness/tracerelay.ts";
const MODEL = "gpt-4o-mini";
const QUESTION = "What is the weather in Paris?";
const ANSWER = "It is 21 degrees and sunny in Paris.";
const THINKING = "The user wants the weather; I should call get_weather for Paris.";
const RUN = Date.now().toString(36);
const AGENT = `weather-agent-${RUN}`;
const SESSION = `sess-ui-${RUN}`;
const USER = `user-ui-${RUN}`;

let ui: UiRun;
let tr: Tracerelay;
let page: Page;
let traceId: string;

/** Sends the agent trace (invoke_agent → chat(tool call, thinking) → execute_tool → chat) with the OTLP proto exporter. */
async function sendAgentTrace(): Promise<{ traceId: string; chat1: string }> {
  const { provider, records } = tracerelayProvider({
    url: tr.url,
    secretKey: tr.secretKey,
    exporter: "proto",
    resource: { "service.name": "ui-e2e-svc", "deployment.environment.name": "staging" },
  });
  const tracer = provider.getTracer("ui-e2e", "1.0.0");
  const t0 = Date.now() - 3_000;
  const agent = tracer.startSpan(
    `invoke_agent ${AGENT}`,
    {
      kind: SpanKind.INTERNAL,
      startTime: t0,
      attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": AGENT, "session.id": SESSION, "user.id": USER },
    },
    ROOT_CONTEXT,
  );
  const ctx = trace.setSpan(ROOT_CONTEXT, agent);
  const chat1 = tracer.startSpan(
    `chat ${MODEL}`,
    {
      kind: SpanKind.CLIENT,
      startTime: t0 + 10,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": MODEL,
        "gen_ai.response.model": MODEL,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 256,
        "gen_ai.usage.input_tokens": 1234,
        "gen_ai.usage.output_tokens": 567,
        "gen_ai.usage.cache_read.input_tokens": 400,
        "gen_ai.usage.reasoning.output_tokens": 89,
        "gen_ai.response.time_to_first_chunk": 0.25,
        "gen_ai.response.finish_reasons": ["tool_call"],
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: QUESTION }] }]),
        "gen_ai.output.messages": JSON.stringify([
          {
            role: "assistant",
            parts: [
              { type: "reasoning", content: THINKING },
              { type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } },
            ],
            finish_reason: "tool_call",
          },
        ]),
      },
    },
    ctx,
  );
  chat1.end(t0 + 400);
  const tool = tracer.startSpan(
    "execute_tool get_weather",
    {
      startTime: t0 + 410,
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "call_1",
        "gen_ai.tool.call.arguments": JSON.stringify({ city: "Paris" }),
        "gen_ai.tool.call.result": JSON.stringify({ temp_c: 21, sky: "sunny" }),
      },
    },
    ctx,
  );
  tool.end(t0 + 450);
  const chat2 = tracer.startSpan(
    `chat ${MODEL}`,
    {
      kind: SpanKind.CLIENT,
      startTime: t0 + 460,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": MODEL,
        "gen_ai.usage.input_tokens": 1500,
        "gen_ai.usage.output_tokens": 40,
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: QUESTION }] }]),
        "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: ANSWER }], finish_reason: "stop" }]),
      },
    },
    ctx,
  );
  chat2.end(t0 + 900);
  agent.end(t0 + 950);
  await provider.forceFlush();
  await provider.shutdown();
  expect(records.filter((r) => r.code !== 0)).toEqual([]);
  return { traceId: agent.spanContext().traceId, chat1: chat1.spanContext().spanId };
}

/** A decoy trace that the name filter must leave out. */
async function sendDecoy(): Promise<void> {
  const { provider } = tracerelayProvider({ url: tr.url, secretKey: tr.secretKey, exporter: "proto" });
  const s = provider.getTracer("ui-e2e").startSpan("decoy-pipeline", { attributes: { "user.id": "someone-else" } }, ROOT_CONTEXT);
  s.end();
  await provider.forceFlush();
  await provider.shutdown();
}

/** Viewport-only screenshots, without the narrow-width check (as this file always took them). */
const shoot = (name: string, narrow?: (p: Page) => Promise<void>) => screenshots(page, name, { fullPage: false, settleMs: 150, checkWidth: false, narrow });

describe.skipIf(skipBrowserTests())("web UI in headless Chromium", () => {
  let chat1Id: string;

  beforeAll(async () => {
    // In CI a missing Chromium fails here (skipBrowserTests() is false there), before anything starts.
    // The viewer exists before start; the admin comes from the environment.
    ui = await startUi({ viewer: true });
    ({ tr, page } = ui);
    const sent = await sendAgentTrace();
    traceId = sent.traceId;
    chat1Id = sent.chat1;
    await sendDecoy();
    await tr.waitForTrace(traceId, { spans: 4 });
  });

  afterAll(async () => {
    await ui?.close();
  });

  it("sign-in API: session cookie flags, CSRF required, data API needs a session", async () => {
    expect((await fetch(`${tr.url}/ui/api/v1/traces`)).status).toBe(401);
    const me = await fetch(`${tr.url}/ui/api/me`);
    expect(me.status).toBe(401);
    const csrf = /tr_csrf=([^;]+)/.exec(me.headers.getSetCookie().join("\n"))?.[1];
    expect(csrf).toBeTruthy();
    const body = JSON.stringify(ADMIN);
    const noCsrf = await fetch(`${tr.url}/ui/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(noCsrf.status).toBe(403);
    const ok = await fetch(`${tr.url}/ui/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `tr_csrf=${csrf}`, "x-csrf-token": csrf! },
      body,
    });
    expect(ok.status).toBe(200);
    const session = ok.headers.getSetCookie().find((c) => c.startsWith("tr_session="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/); // plain http here
    const cookie = `${session.split(";")[0]}; tr_csrf=${csrf}`;
    const list = await fetch(`${tr.url}/ui/api/v1/traces?name=${AGENT}`, { headers: { cookie } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { data: Array<{ trace_id: string }> }).data.map((t) => t.trace_id)).toEqual([traceId]);
    const logoutNoCsrf = await fetch(`${tr.url}/ui/api/logout`, { method: "POST", headers: { cookie } });
    expect(logoutNoCsrf.status).toBe(403);
    // the SPA: deep links get index.html (no-cache), hashed assets are immutable, API paths stay JSON 404s
    const deep = await fetch(`${tr.url}/traces/${traceId}`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get("cache-control")).toBe("no-cache");
    const html = await deep.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${tr.url}${asset}`);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${tr.url}/api/v1/nope`)).status).toBe(404);
    expect((await fetch(`${tr.url}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect([400, 404]).toContain((await fetch(`${tr.url}/%E0%A4%A`)).status);
  });

  it("wrong password shows an error; the right one signs in", async () => {
    await page.goto(`${tr.url}/`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent(), { timeout: 10_000 }).toContain("wrong email or password");
    await shoot("login");
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("user-email").waitFor();
    expect(await page.getByTestId("user-email").textContent()).toBe(ADMIN.email);
  });

  it("finds the trace by a filter (in the shareable URL)", async () => {
    await page.goto(`${tr.url}/traces`);
    await page.locator("tbody tr").first().waitFor();
    expect(await page.locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    await page.getByLabel("Name").fill(AGENT);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/name=weather-agent/);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 10_000 }).toBe(1);
    const row = page.locator(`tbody tr[data-trace-id="${traceId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(MODEL);
    // keyboard: focus the row, Enter opens it
    await shoot("traces");
    await row.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/traces/${traceId}`));
  });

  it("trace view: tree, waterfall with critical path, span detail with model, tokens, thinking and tool call", async () => {
    await page.locator("html[data-trace-view-ready]").waitFor({ state: "attached" });
    expect(await page.getByTestId("trace-name").textContent()).toBe(`invoke_agent ${AGENT}`);
    const rows = page.locator(".tree-row");
    expect(await rows.count()).toBe(4);
    expect(await page.locator(".wf-bar").count()).toBe(4);
    // agent → chat2 (the child that ends last) is the critical path
    expect(await page.locator(".tree-row.critical").count()).toBe(2);
    expect(await page.locator(".tree-row .kind-llm").count()).toBe(2);
    expect(await page.locator(".tree-row .kind-tool").count()).toBe(1);
    // keyboard: the tree moves the selection with arrows
    await page.locator(".tree-scroll").focus();
    await page.keyboard.press("ArrowDown");
    expect(await page.locator(".tree-row.selected").getAttribute("data-span-id")).toBe(chat1Id);
    await page.keyboard.press("Enter");

    const detail = page.locator(".span-detail");
    expect(await detail.getByTestId("detail-model").textContent()).toBe(MODEL);
    expect(await detail.getByTestId("usage-input").textContent()).toBe("1,234");
    expect(await detail.getByTestId("usage-output").textContent()).toBe("567");
    expect(await detail.getByTestId("usage-cache-read").textContent()).toBe("400");
    expect(await detail.getByTestId("usage-reasoning").textContent()).toBe("89");
    expect(await detail.textContent()).toContain("tool_call"); // stop reason
    expect(await detail.textContent()).toContain("250 ms"); // time to first token
    expect(await detail.textContent()).toContain("temperature");
    // thinking: collapsed, opens on click
    const thinking = detail.getByTestId("thinking");
    expect(await thinking.getAttribute("open")).toBeNull();
    await thinking.locator("summary").click();
    expect(await thinking.getAttribute("open")).not.toBeNull();
    expect(await thinking.textContent()).toContain(THINKING);
    // tool call with arguments
    const calls = detail.getByTestId("tool-calls");
    expect(await calls.locator(".tool-name").textContent()).toBe("get_weather");
    expect(await calls.locator(".tool-args").textContent()).toContain('"city": "Paris"');
    // the input rendered as a message
    expect(await detail.locator(".msg-user").first().textContent()).toContain(QUESTION);
    // searchable attributes
    const api = await tr.waitForTrace(traceId, { spans: 4 });
    const attrs = api.spans.find((s) => s.span_id === chat1Id)?.attributes ?? {};
    const key = Object.keys(attrs)[0];
    if (key) {
      await detail.getByLabel("Search attributes").fill(key.slice(-8));
      expect(await detail.locator(".j-hits").textContent()).toContain(key);
      await detail.getByLabel("Search attributes").fill("zzz-no-such-attribute");
      expect(await detail.locator(".j-hits").textContent()).toContain("No match.");
      await detail.getByLabel("Search attributes").fill("");
    }

    await shoot("trace", async (p) => {
      await p.getByRole("tab", { name: "Tree & timeline" }).click();
      await p.screenshot({ path: join(SCREENSHOTS, "trace-tree-390x844.png") });
      await p.getByRole("tab", { name: "Span detail" }).click();
    });
    // narrow screens: tabs, one panel at a time
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("tab", { name: "Traces" }).click();
    expect(await page.locator(".col-tree").isVisible()).toBe(false);
    expect(await page.locator(".col-list").isVisible()).toBe(true);
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await page.locator(".col-tree").isVisible()).toBe(true);
  });

  it("opens the trace's session: its traces in order, conversation-style", async () => {
    await page.getByTestId("session-link").click();
    await page.waitForURL(/\/sessions\//);
    expect(await page.getByTestId("session-id").textContent()).toBe(SESSION);
    const turn = page.getByTestId("session-turn").first();
    await turn.locator(".msg-assistant").waitFor();
    expect(await turn.locator(".msg-user").textContent()).toContain(QUESTION);
    expect(await turn.locator(".msg-assistant").textContent()).toContain(ANSWER);
    await shoot("session");
    await page.goto(`${tr.url}/sessions`);
    await page.locator("tbody tr").first().waitFor();
    expect(await page.locator("tbody").textContent()).toContain(SESSION);
    await shoot("sessions");
  });

  it("analytics: every chart is drawn with data", async () => {
    await page.goto(`${tr.url}/analytics`);
    for (const id of ["chart-cost", "chart-tokens", "chart-requests", "chart-latency", "chart-errors", "chart-top-models", "chart-top-users"]) {
      const chart = page.getByTestId(id);
      // drawn content: the SVG renderer's series shapes (bars are paths, lines are paths with many points)
      await expect
        .poll(async () => chart.locator("svg path").count(), { timeout: 15_000, message: `${id} drew nothing` })
        .toBeGreaterThan(3);
    }
    const axis = await page.getByTestId("chart-top-models").textContent();
    expect(axis).toContain(MODEL);
    expect(await page.getByTestId("chart-top-users").textContent()).toContain(USER);
    await shoot("analytics");
  });

  it("a viewer can sign in and view traces", async () => {
    await switchUser(page, tr.url, VIEWER.email, VIEWER.password);
    expect(await page.locator(".role").textContent()).toBe("viewer");
    await page.goto(`${tr.url}/traces/${traceId}`);
    await page.locator("html[data-trace-view-ready]").waitFor({ state: "attached" });
    expect(await page.locator(".tree-row").count()).toBe(4);
  });

  it("made no request outside tracerelay", () => {
    expect(ui.external).toEqual([]);
  });
});
