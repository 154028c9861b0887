// A small echarts line (SVG renderer, no axes) for a series of numbers, e.g. spans/min over the last hour.
import { LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { useMemo } from "react";
import { useEChart } from "./useEChart.ts";

echarts.use([LineChart, GridComponent, TooltipComponent]);

export function Sparkline({ values, label, testId, unit = "" }: { values: number[]; label: string; testId?: string; unit?: string }) {
  const key = values.join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the values' identity
  const option = useMemo(() => {
    const n = values.length;
    return {
      animation: false,
      grid: { left: 2, right: 2, top: 4, bottom: 2 },
      tooltip: { trigger: "axis", valueFormatter: (v: unknown) => `${v}${unit}` },
      xAxis: { type: "category", show: false, boundaryGap: false, data: values.map((_, i) => (i === n - 1 ? "now" : `-${n - 1 - i} min`)) },
      yAxis: { type: "value", show: false, min: 0 },
      series: [{ type: "line", data: values, showSymbol: false, smooth: false, lineStyle: { width: 1.5, color: "#2f5bd3" }, areaStyle: { color: "rgba(47,91,211,0.12)" } }],
    };
  }, [key, unit]);
  const el = useEChart(option);
  return <div ref={el} className="sparkline" role="img" aria-label={label} data-testid={testId} />;
}
