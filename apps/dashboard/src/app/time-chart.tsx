import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ChartData } from '../data/metrics-history';

/** Line colours, in series order; readable on the dark background. */
const PALETTE = [
  '#4ade80',
  '#facc15',
  '#f87171',
  '#94a3b8',
  '#60a5fa',
  '#c084fc',
  '#fb923c',
  '#2dd4bf',
];

export interface TimeChartProps {
  /** Stable name, also `data-chart` for tests. */
  readonly name: string;
  readonly title: string;
  readonly data: ChartData;
  /** The x range shown, seconds since the epoch (the chart scrolls even when no data arrives). */
  readonly from: number;
  readonly to: number;
  /** Fixed colours by series label (e.g. status classes), else the palette in order. */
  readonly colors?: Readonly<Record<string, string>>;
  readonly unit?: string;
}

const HEIGHT = 170;

function aligned(data: ChartData): uPlot.AlignedData {
  return [data.times, ...data.series.map((s) => s.values)] as uPlot.AlignedData;
}

/** A rolling time-series chart (uPlot), re-created only when its set of lines changes. */
export function TimeChart(props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const range = useRef({ from: props.from, to: props.to });
  range.current = { from: props.from, to: props.to };
  const labels = props.data.series.map((s) => s.label);
  const labelKey = labels.join('\u0000');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const unit = props.unit ?? '';
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: () => [range.current.from, range.current.to] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [
        { stroke: '#94a3b8', grid: { stroke: '#1e293b' }, ticks: { stroke: '#1e293b' } },
        {
          stroke: '#94a3b8',
          grid: { stroke: '#1e293b' },
          ticks: { stroke: '#1e293b' },
          size: 56,
          values: (_u, vals) => vals.map((v) => `${+v.toFixed(2)}${unit}`),
        },
      ],
      series: [
        {},
        ...labels.map((label, i) => ({
          label,
          stroke: props.colors?.[label] ?? PALETTE[i % PALETTE.length],
          width: 1.5,
          points: { show: false },
        })),
      ],
    };
    const u = new uPlot(opts, aligned(props.data), el);
    plot.current = u;
    const resize = new ResizeObserver(() =>
      u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Only a change in the set of lines needs a new chart; data flows through setData below.
  }, [labelKey]);

  useEffect(() => {
    plot.current?.setData(aligned(props.data), true);
  });

  let total = 0;
  for (const s of props.data.series) for (const v of s.values) total += v ?? 0;
  return (
    <figure
      class="chart"
      data-chart={props.name}
      data-points={props.data.times.length}
      data-total={total}
    >
      <figcaption>{props.title}</figcaption>
      <div ref={host} class="chart-plot" />
    </figure>
  );
}
