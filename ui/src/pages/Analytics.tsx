// Analytics from /metrics/usage: cost, tokens, requests, latency p50/p95 and error rate over time (by
// model, environment or user), and the top models and users by cost. Charts are echarts (SVG renderer).
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { useEffect, useState } from "react";
import { api, type UsageMetrics } from "../api.ts";
import { SelectField } from "../components/FilterFields.tsx";
import { ErrorAlert } from "../components/PageState.tsx";
import { type EChartOption as Option, useEChart } from "../components/useEChart.ts";
import { fmtUsd, RANGE_PRESETS, rangeFor } from "../format.ts";
import { navigate } from "../router.ts";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent]);

function Chart({ option, label, testId }: { option: Option; label: string; testId: string }) {
  const el = useEChart(option);
  return (
    <figure className="chart">
      <figcaption>{label}</figcaption>
      <div ref={el} className="chart-body" role="img" aria-label={label} data-testid={testId} />
    </figure>
  );
}

function bucketFor(range: string): "minute" | "hour" | "day" {
  if (range === "15m" || range === "1h") return "minute";
  if (range === "7d" || range === "30d") return "day";
  return "hour";
}

function series(m: UsageMetrics | null, pick: (r: UsageMetrics["data"][number]) => number | null, kind: "line" | "bar", stack?: boolean) {
  if (!m) return { x: [] as string[], series: [] as object[] };
  const x = [...new Set(m.data.map((r) => r.bucket))].sort();
  const groups = [...new Set(m.data.map((r) => (m.group_by ? (r.group ?? "(none)") : "all")))];
  return {
    x,
    series: groups.map((g) => ({
      name: g,
      type: kind,
      stack: stack ? "total" : undefined,
      showSymbol: x.length < 40,
      data: x.map((b) => {
        const row = m.data.find((r) => r.bucket === b && (m.group_by ? (r.group ?? "(none)") : "all") === g);
        return row ? pick(row) : null;
      }),
    })),
  };
}

const label = (iso: string) => {
  const d = new Date(iso);
  return `${d.getMonth() + 1}/${d.getDate()} ${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
};

function timeOption(m: UsageMetrics | null, pick: (r: UsageMetrics["data"][number]) => number | null, kind: "line" | "bar", unit = ""): Option {
  const s = series(m, pick, kind, kind === "bar");
  return {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 50, right: 16, top: 16, bottom: 48 },
    xAxis: { type: "category", data: s.x.map(label) },
    yAxis: { type: "value", axisLabel: { formatter: `{value}${unit}` } },
    series: s.series as never,
  };
}

function topOption(m: UsageMetrics | null): Option {
  const totals = new Map<string, number>();
  for (const r of m?.data ?? []) totals.set(r.group ?? "(none)", (totals.get(r.group ?? "(none)") ?? 0) + r.cost_usd);
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 10).reverse();
  return {
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: (v: unknown) => fmtUsd(Number(v)) },
    // Names are what this chart is for: room for ~28 characters before an ellipsis (full name in the tooltip).
    grid: { left: 190, right: 24, top: 8, bottom: 24 },
    xAxis: { type: "value", splitNumber: 3, axisLabel: { hideOverlap: true } },
    yAxis: { type: "category", data: top.map(([k]) => k), axisLabel: { width: 180, overflow: "truncate" } },
    series: [{ type: "bar", data: top.map(([, v]) => v) }],
  };
}

export function Analytics({ search }: { search: URLSearchParams }) {
  const range = search.get("range") ?? "24h";
  const groupBy = (search.get("group_by") ?? "model") as "model" | "environment" | "user";
  const [data, setData] = useState<{ all: UsageMetrics; grouped: UsageMetrics; models: UsageMetrics; users: UsageMetrics } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const r = rangeFor(range);
    const bucket = bucketFor(range);
    const base = { from: r.from, to: r.to, bucket };
    setError(null);
    Promise.all([
      api.usage(base),
      api.usage({ ...base, group_by: groupBy }),
      api.usage({ ...base, group_by: "model" }),
      api.usage({ ...base, group_by: "user" }),
    ])
      .then(([all, grouped, models, users]) => setData({ all, grouped, models, users }))
      .catch((e: Error) => setError(e.message));
  }, [range, groupBy]);

  const set = (k: string, v: string) => {
    const q = new URLSearchParams(search);
    q.set(k, v);
    navigate(`/analytics?${q}`);
  };
  const g = data?.grouped ?? null;
  const all = data?.all ?? null;
  const totals = (all?.data ?? []).reduce(
    (a, r) => ({ cost: a.cost + r.cost_usd, tokens: a.tokens + r.total_tokens, requests: a.requests + r.requests, errors: a.errors + r.errors }),
    { cost: 0, tokens: 0, requests: 0, errors: 0 },
  );

  return (
    <section className="page analytics">
      <div className="page-head">
        <h1>Analytics</h1>
        <div className="filters inline">
          <SelectField id="a-range" label="Time range" value={range} onChange={(e) => set("range", e.target.value)} items={RANGE_PRESETS} />
          <SelectField id="a-group" label="Group by" value={groupBy} onChange={(e) => set("group_by", e.target.value)} items={["model", "environment", "user"]} />
        </div>
      </div>
      <ErrorAlert error={error} />
      <div className="kpis">
        <div>
          <span>Cost</span>
          <strong>{fmtUsd(totals.cost)}</strong>
        </div>
        <div>
          <span>Tokens</span>
          <strong>{totals.tokens.toLocaleString("en-US")}</strong>
        </div>
        <div>
          <span>Requests</span>
          <strong>{totals.requests.toLocaleString("en-US")}</strong>
        </div>
        <div>
          <span>Error rate</span>
          <strong>{totals.requests ? `${((totals.errors / totals.requests) * 100).toFixed(1)}%` : "–"}</strong>
        </div>
      </div>
      <div className="charts">
        <Chart testId="chart-cost" label={`Cost (USD) by ${groupBy}`} option={timeOption(g, (r) => r.cost_usd, "bar")} />
        <Chart testId="chart-tokens" label={`Tokens by ${groupBy}`} option={timeOption(g, (r) => r.total_tokens, "bar")} />
        <Chart testId="chart-requests" label={`Requests by ${groupBy}`} option={timeOption(g, (r) => r.requests, "bar")} />
        <Chart
          testId="chart-latency"
          label="Latency p50 / p95 (ms)"
          option={(() => {
            const p50 = series(all, (r) => r.latency_p50_ms, "line");
            const p95 = series(all, (r) => r.latency_p95_ms, "line");
            return {
              animation: false,
              tooltip: { trigger: "axis" },
              legend: { bottom: 0 },
              grid: { left: 50, right: 16, top: 16, bottom: 48 },
              xAxis: { type: "category", data: p50.x.map(label) },
              yAxis: { type: "value" },
              series: [
                { ...(p50.series[0] ?? { type: "line", data: [] }), name: "p50" },
                { ...(p95.series[0] ?? { type: "line", data: [] }), name: "p95" },
              ] as never,
            };
          })()}
        />
        <Chart testId="chart-errors" label="Error rate (%)" option={timeOption(all, (r) => (r.requests ? (r.errors / r.requests) * 100 : 0), "line", "%")} />
        <Chart testId="chart-top-models" label="Top models by cost" option={topOption(data?.models ?? null)} />
        <Chart testId="chart-top-users" label="Top users by cost" option={topOption(data?.users ?? null)} />
      </div>
    </section>
  );
}
