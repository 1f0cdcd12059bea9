import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useDarkScheme } from '../hooks';

export interface ChartProps {
  /** One category per x position (weeks or months), in order. */
  labels: string[];
  /** Bars on the left axis; null leaves a gap (a skipped week). */
  bars: (number | null)[];
  /** Line on the right axis. */
  line: (number | null)[];
  barsLabel: string;
  lineLabel: string;
  ariaLabel: string;
  /** id of the element carrying the same figures as text. */
  describedBy: string;
  /** Fuller names of the categories for the hover readout (defaults to the labels). */
  titles?: string[];
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** A nice upper bound for a count axis: at least 1, a little headroom, on a round step. */
function niceMax(max: number): number {
  if (max <= 4) return Math.max(1, max + 1);
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = Math.ceil((max * 1.1) / (step * magnitude)) * step * magnitude;
    if (candidate / (step * magnitude) <= 6) return candidate;
  }
  return Math.ceil(max * 1.1);
}

const INTEGER_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];

/**
 * uPlot chart of two series over categories: bars (participants) and a line (likes), each on its own axis, with
 * an HTML legend and a hover readout. Width follows the container (ResizeObserver); colours follow the theme.
 */
export function Chart({
  labels,
  bars,
  line,
  barsLabel,
  lineLabel,
  ariaLabel,
  describedBy,
  titles,
}: ChartProps) {
  const dark = useDarkScheme();
  const hostRef = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<{ idx: number; left: number; flip: boolean } | null>(null);

  // Rebuilt only when the figures or the theme change, not when a parent re-renders with equal arrays.
  const dataKey = JSON.stringify([labels, bars, line, barsLabel, lineLabel]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: dataKey stands for the figures it serialises.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const text = cssVar('--muted');
    const grid = cssVar('--grid');
    const barColor = cssVar('--chart-bars');
    const lineColor = cssVar('--chart-line');
    const surface = cssVar('--surface');
    const font = `12px ${cssVar('--font-sans') || 'system-ui, sans-serif'}`;
    const height = () => (host.clientWidth < 480 ? 220 : 260);
    const xs = labels.map((_, i) => i);
    const finite = (values: (number | null)[]) => values.filter((v): v is number => v !== null);
    const barMax = niceMax(Math.max(0, ...finite(bars)));
    const lineMax = niceMax(Math.max(0, ...finite(line)));

    const axisBase = {
      stroke: text,
      font,
      labelFont: font,
      grid: { show: false },
      ticks: { show: false },
    } satisfies Partial<uPlot.Axis>;

    const options: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height: height(),
      legend: { show: false },
      padding: [12, 4, 0, 4],
      cursor: {
        drag: { x: false, y: false },
        points: { size: 9, fill: surface, width: 2 },
        y: false,
      },
      scales: {
        x: { time: false, range: () => [-0.5, Math.max(0.5, labels.length - 0.5)] },
        bars: { range: () => [0, barMax] },
        line: { range: () => [0, lineMax] },
      },
      axes: [
        {
          ...axisBase,
          splits: () => xs,
          values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
          gap: 8,
          size: labels.some((l) => l.includes('\n')) ? 48 : 32,
        },
        {
          ...axisBase,
          scale: 'bars',
          label: barsLabel,
          labelSize: 20,
          size: 40,
          incrs: INTEGER_INCRS,
          grid: { show: true, stroke: grid, width: 1 },
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
        },
        {
          ...axisBase,
          scale: 'line',
          side: 1,
          label: lineLabel,
          labelSize: 20,
          size: 44,
          incrs: INTEGER_INCRS,
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
        },
      ],
      series: [
        {},
        {
          label: barsLabel,
          scale: 'bars',
          fill: barColor,
          stroke: barColor,
          width: 0,
          paths: uPlot.paths.bars!({ size: [0.56, 56], align: 0, radius: 0.12 }),
          points: { show: false },
        },
        {
          label: lineLabel,
          scale: 'line',
          stroke: lineColor,
          width: 2.5,
          spanGaps: false,
          points: { show: true, size: 8, fill: surface, stroke: lineColor, width: 2 },
        },
      ],
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
              setHover(null);
              return;
            }
            const x = u.valToPos(idx, 'x');
            setHover({ idx, left: u.over.offsetLeft + x, flip: x > u.over.clientWidth / 2 });
          },
        ],
      },
    };

    const chart = new uPlot(options, [xs, bars, line] as uPlot.AlignedData, host);
    const observer = new ResizeObserver(() => {
      const width = Math.max(200, host.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height: height() });
    });
    observer.observe(host);
    return () => {
      observer.disconnect();
      chart.destroy();
      setHover(null);
    };
  }, [dataKey, dark]);

  const hoverLabel = hover ? (titles?.[hover.idx] ?? labels[hover.idx]?.replace('\n', ' ')) : undefined;
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(v));

  return (
    <figure className="chart">
      <div className="chart-frame">
        <div
          ref={hostRef}
          className="chart-host"
          role="img"
          aria-label={ariaLabel}
          aria-describedby={describedBy}
        />
        {hover && hoverLabel !== undefined && (
          <div
            className={hover.flip ? 'chart-tooltip is-flipped' : 'chart-tooltip'}
            aria-hidden="true"
            style={{ left: `${hover.left}px` }}
          >
            <strong>{hoverLabel}</strong>
            <span>
              <i className="swatch swatch-bars" /> {barsLabel} {fmt(bars[hover.idx])}
            </span>
            <span>
              <i className="swatch swatch-line" /> {lineLabel} {fmt(line[hover.idx])}
            </span>
          </div>
        )}
      </div>
      <figcaption className="chart-legend">
        <span>
          <i className="swatch swatch-bars" aria-hidden="true" /> {barsLabel}
        </span>
        <span>
          <i className="swatch swatch-line swatch-line-mark" aria-hidden="true" /> {lineLabel}
        </span>
      </figcaption>
    </figure>
  );
}
