import { createEffect, onCleanup, onMount } from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const COLORS = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#be185d",
  "#65a30d",
  "#4f46e5",
  "#a16207",
];

/** A uPlot line chart; data is [xs, ...ys] as built by buildSeries. */
export function MetricChart(props: {
  title: string;
  labels: string[];
  data: [number[], ...(number | null)[][]];
  time: boolean;
}) {
  let el!: HTMLDivElement;
  let plot: uPlot | undefined;
  const build = () => {
    plot?.destroy();
    plot = new uPlot(
      {
        title: props.title,
        width: Math.max(300, el.clientWidth || 600),
        height: 260,
        scales: { x: { time: props.time } },
        series: [
          { label: props.time ? "time" : "step" },
          ...props.labels.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true })),
        ],
      },
      props.data as uPlot.AlignedData,
      el,
    );
  };
  onMount(() => {
    const ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(300, el.clientWidth), height: 260 }));
    ro.observe(el);
    onCleanup(() => ro.disconnect());
  });
  createEffect(() => {
    void props.data;
    void props.time;
    build();
  });
  onCleanup(() => plot?.destroy());
  return <div class="metric-chart" ref={el} role="img" aria-label={`Chart of ${props.title}`} />;
}
