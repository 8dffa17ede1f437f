import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtTime, timeZone } from './ui';

export interface Series {
  label: string;
  points: readonly (readonly [number, number])[];
  /** The series' unit: series of one unit share a y axis, each unit gets its own. Absent: the chart's one axis. */
  unit?: string;
}

/** A vertical line at an instant (e.g. when an alert was raised), labelled at the top. */
export interface Marker {
  at: number;
  label: string;
}

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7ea4', '#57606a'];

/** Joins series on their timestamps (ms) into uPlot's column form. */
function align(series: readonly Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const cols = series.map((s) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [t, v] of s.points) col[index.get(t)!] = v;
    return col;
  });
  return [xs, ...cols];
}

export interface TimeChartProps {
  series: readonly Series[];
  /** Accessible name of the chart. */
  title: string;
  height?: number;
  /** Drag-select on the chart calls this with the selected range (ms). */
  onZoom?: (from: number, to: number) => void;
  /** Draw as bars (e.g. hours per day). */
  bars?: boolean;
  /** Fill between series i and j (indexes into `series`), e.g. an uncertainty band. */
  band?: readonly [number, number];
  yLabel?: string;
  markers?: readonly Marker[];
}

/** A uPlot time-series chart that follows its container's width. */
export function TimeChart({ series, title, height = 240, onZoom, bars, band, yLabel, markers }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // One y scale and axis per unit (left, right, left...); series without a unit share the default one.
    const units = [...new Set(series.flatMap((s) => (s.unit === undefined ? [] : [s.unit])))];
    const yAxes: uPlot.Axis[] = units.length
      ? units.map((u, i) => ({ scale: u, label: u, size: 60, side: i % 2 === 0 ? 3 : 1, ...(i > 1 ? { grid: { show: false } } : {}) }))
      : [{ label: yLabel ?? '', size: 60 }];
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      ms: 1,
      // Axis ticks and the legend in the zone every other time on the page is shown in.
      tzDate: (ts) => uPlot.tzDate(new Date(ts), timeZone()),
      legend: { show: true },
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true }, ...Object.fromEntries(units.map((u) => [u, { auto: true }])) },
      axes: [{ label: timeZone() }, ...yAxes],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.unit && s.unit !== s.label ? `${s.label} (${s.unit})` : s.label,
          ...(s.unit !== undefined ? { scale: s.unit } : {}),
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          spanGaps: false,
          ...(bars ? { fill: `${COLORS[i % COLORS.length]}88`, paths: uPlot.paths.bars!({ size: [0.7, 40] }) } : {}),
          ...(band && (i === band[0] || i === band[1]) ? { stroke: '#9a670066', dash: [4, 4] } : {}),
        })),
      ],
      ...(band ? { bands: [{ series: [band[0] + 1, band[1] + 1] as [number, number], fill: '#9a670022' }] } : {}),
      hooks: {
        draw: [
          (u) => {
            for (const m of markers ?? []) {
              const x = Math.round(u.valToPos(m.at, 'x', true));
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = '#cf222e';
              ctx.fillStyle = '#cf222e';
              ctx.lineWidth = 2;
              ctx.setLineDash([6, 4]);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.font = `${Math.round(12 * devicePixelRatio)}px sans-serif`;
              ctx.fillText(m.label, x + 4, u.bbox.top + 14 * devicePixelRatio);
              ctx.restore();
            }
          },
        ],
        setSelect: [
          (u) => {
            if (u.select.width < 4) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoom.current?.(Math.round(from), Math.round(to));
          },
        ],
      },
    };
    const plot = new uPlot(opts, align(series), el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [series, height, bars, band, yLabel, markers]);
  const empty = series.every((s) => s.points.length === 0);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {empty ? <p className="muted">No data in this range.</p> : null}
      <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => `${s.label}, ${s.points.length} points`).join('; ')}${(markers ?? []).map((m) => `; ${m.label} at ${fmtTime(m.at)}`).join('')}`} />
    </figure>
  );
}
