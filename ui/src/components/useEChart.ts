// An echarts instance (SVG renderer) on a div: created on mount, resized with its element, disposed on
// unmount; `option` replaces the chart's option whenever it changes (by identity: memoise it).
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { type RefObject, useEffect, useRef } from "react";

echarts.use([SVGRenderer]);

export type EChartOption = Parameters<echarts.ECharts["setOption"]>[0];

/** Returns the ref for the chart's element. The callers register the chart types and components they use. */
export function useEChart(option: EChartOption): RefObject<HTMLDivElement | null> {
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
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  return el;
}
