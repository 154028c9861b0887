// A small echarts line (SVG renderer, no axes) for a series of numbers, e.g. spans/min over the last hour.
import { LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

echarts.use([LineChart, GridComponent, TooltipComponent, SVGRenderer]);

export function Sparkline({ values, label, testId, unit = "" }: { values: number[]; label: string; testId?: string; unit?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: "svg" });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  const key = values.join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the values' identity
  useEffect(() => {
    const n = values.length;
    chart.current?.setOption(
      {
        animation: false,
        grid: { left: 2, right: 2, top: 4, bottom: 2 },
        tooltip: { trigger: "axis", valueFormatter: (v: unknown) => `${v}${unit}` },
        xAxis: { type: "category", show: false, boundaryGap: false, data: values.map((_, i) => (i === n - 1 ? "now" : `-${n - 1 - i} min`)) },
        yAxis: { type: "value", show: false, min: 0 },
        series: [{ type: "line", data: values, showSymbol: false, smooth: false, lineStyle: { width: 1.5, color: "#2f5bd3" }, areaStyle: { color: "rgba(47,91,211,0.12)" } }],
      },
      true,
    );
  }, [key, unit]);
  return <div ref={el} className="sparkline" role="img" aria-label={label} data-testid={testId} />;
}
