// UI benchmark: time to interactive of the trace view for a 5,000-span trace, measured in headless
// Chromium by the page's own performance marks (ui/src/pages/TraceView.tsx):
//   trace-view:fetched      the trace JSON has arrived and parsed
//   trace-view:interactive  the tree + waterfall are committed and painted (rows accept input)
// Both are read as `startTime` (ms since the navigation started), over a full page load of
// /traces/<id>, after signing in. Prints the median of --runs loads.
//   node bench/ui-trace-view.ts [--spans 5000] [--runs 5]
import { parseArgs } from "node:util";
import { buildUi } from "../scripts/ui/build.ts";
import { launchBrowser, signIn } from "../test/browser.ts";
import { hex, otlpRequest, otlpSpan } from "../test/harness/otlp.ts";
import { startTracerelay } from "../test/harness/tracerelay.ts";

// Browser globals used inside page.evaluate (the root tsconfig has no DOM lib).
declare const document: any;
declare const requestAnimationFrame: (cb: () => void) => number;

const { values } = parseArgs({ options: { spans: { type: "string", default: "5000" }, runs: { type: "string", default: "5" } } });
const SPANS = Number(values.spans);
const RUNS = Number(values.runs);
const ADMIN = { email: "bench@example.test", password: "bench-password-1" };

buildUi();
const tr = await startTracerelay({
  readyTimeoutMs: 120_000,
  env: { TRACERELAY_INIT_ADMIN_EMAIL: ADMIN.email, TRACERELAY_INIT_ADMIN_PASSWORD: ADMIN.password },
});
try {
  // An agent root; chains of ~100 steps under it; each step a chat span or a tool span, every 10th
  // step with a nested retrieval child: a deep-enough, wide tree.
  const traceId = hex(16);
  const root = hex(8);
  const t0 = Date.now() - 120_000;
  const spans: Array<Record<string, unknown>> = [
    otlpSpan({ traceId, spanId: root, name: "invoke_agent bench-agent", startMs: t0, durationMs: 100_000, attributes: { "gen_ai.operation.name": "invoke_agent", "session.id": "bench-session" } }),
  ];
  let chain = root;
  let n = 1;
  let t = t0;
  while (n < SPANS) {
    if ((n - 1) % 100 === 0) {
      chain = hex(8);
      spans.push(otlpSpan({ traceId, spanId: chain, parentSpanId: root, name: `step-group ${n}`, startMs: t, durationMs: 1_900 }));
      n++;
      continue;
    }
    const id = hex(8);
    const llm = n % 2 === 0;
    spans.push(
      otlpSpan({
        traceId,
        spanId: id,
        parentSpanId: chain,
        name: llm ? "chat gpt-4o-mini" : "execute_tool lookup",
        kind: llm ? 3 : 1,
        startMs: t,
        durationMs: 15,
        attributes: llm
          ? { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "openai", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 20 }
          : { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup" },
      }),
    );
    n++;
    if (n % 10 === 0 && n < SPANS) {
      spans.push(otlpSpan({ traceId, spanId: hex(8), parentSpanId: id, name: "retrieve docs", startMs: t + 2, durationMs: 5 }));
      n++;
    }
    t += 19;
  }
  for (let i = 0; i < spans.length; i += 500) {
    const res = await fetch(`${tr.url}/v1/traces`, {
      method: "POST",
      headers: { ...tr.authHeaders(), "content-type": "application/json" },
      body: JSON.stringify(otlpRequest(spans.slice(i, i + 500), { "service.name": "ui-bench" })),
    });
    if (!res.ok) throw new Error(`OTLP/JSON post failed: ${res.status} ${await res.text()}`);
  }
  await tr.waitForTrace(traceId, { spans: spans.length, timeoutMs: 180_000, intervalMs: 1_000 });
  console.log(`sent and stored a ${spans.length}-span trace`);
  // The server's share: the same read through the key-authenticated API, from Node.
  const api: number[] = [];
  let bytes = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const res = await fetch(`${tr.url}/api/v1/traces/${traceId}`, { headers: tr.authHeaders() });
    bytes = (await res.arrayBuffer()).byteLength;
    api.push(performance.now() - t);
  }

  const browser = await launchBrowser({ width: 1440, height: 900 });
  try {
    const page = await browser.context.newPage();
    await signIn(page, tr.url, ADMIN.email, ADMIN.password);
    const tti: number[] = [];
    const fetched: number[] = [];
    let domRows = 0;
    for (let r = 0; r < RUNS; r++) {
      await page.goto(`${tr.url}/traces/${traceId}`);
      await page.locator("html[data-trace-view-ready]").waitFor({ state: "attached", timeout: 60_000 });
      const m = await page.evaluate(() => ({
        tti: performance.getEntriesByName("trace-view:interactive")[0]?.startTime ?? Number.NaN,
        fetched: performance.getEntriesByName("trace-view:fetched")[0]?.startTime ?? Number.NaN,
        rows: document.querySelectorAll(".tree-row").length,
        total: Number(document.querySelector(".tree-scroll")?.getAttribute("data-row-count")),
      }));
      if (m.total !== spans.length) throw new Error(`the tree lists ${m.total} rows, expected ${spans.length}`);
      tti.push(m.tti);
      fetched.push(m.fetched);
      domRows = m.rows;
    }
    // Scrolling: jump to the middle and the end, time until the next frame has rendered the new rows.
    const scroll = await page.evaluate(async () => {
      const el = document.querySelector(".tree-scroll");
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const out: number[] = [];
      for (const to of [el.scrollHeight / 2, el.scrollHeight]) {
        const t0 = performance.now();
        el.scrollTop = to;
        await frame();
        out.push(performance.now() - t0);
      }
      return out;
    });
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    console.log(`trace view, ${spans.length} spans, ${RUNS} full page loads (signed in), Chromium headless:`);
    console.log(`  time to interactive (navigation → tree painted): median ${med(tti).toFixed(0)} ms  [${tti.map((x) => x.toFixed(0)).join(", ")}]`);
    console.log(`  of which trace fetched + parsed at:              median ${med(fetched).toFixed(0)} ms`);
    console.log(`  GET /api/v1/traces/:id from Node (server only):  median ${med(api).toFixed(0)} ms, ${(bytes / 1e6).toFixed(1)} MB`);
    console.log(`  client share (interactive − fetched):          median ${med(tti.map((x, i) => x - fetched[i])).toFixed(0)} ms`);
    console.log(`  rows in the DOM: ${domRows} of ${spans.length} (virtualized)`);
    console.log(`  scroll to middle / end, next frame rendered: ${scroll.map((x) => x.toFixed(0)).join(" / ")} ms`);
  } finally {
    await browser.close();
  }
} finally {
  await tr.close();
}
