// A stacked bar chart over calendar periods (recharts), themed from CSS variables, with an HTML legend (keyboard- and
// screen-reader-friendly, and what the tests count) and a text summary for assistive technology.
import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { colorFor, useChartTheme, type ChartTheme } from './theme.ts';

export interface ChartSeries {
  key: string;
  label: string;
  values: number[];
  total: number;
}

export interface StackedBarsProps {
  /** One label per period ('2026-11-03' or '2026-11'). */
  periods: { label: string; start: number }[];
  unit: 'day' | 'week' | 'month';
  series: ChartSeries[];
  /** Formats values for the axis, tooltip and legend. */
  format: (v: number) => string;
  /** Short axis format (defaults to format). */
  axisFormat?: (v: number) => string;
  title: string;
  testId: string;
  height?: number;
  /** A fixed color for some keys (e.g. DLP 'block' in the error color); null falls back to the palette. */
  colorOf?: (key: string, theme: ChartTheme) => string | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '2026-11-03' → 'Nov 3'; '2026-11' → 'Nov 2026'. The label is already in the user's zone (computed by core). */
export function periodLabel(label: string, unit: 'day' | 'week' | 'month'): string {
  const [y, m, d] = label.split('-').map(Number);
  const mon = MONTHS[(m ?? 1) - 1] ?? '';
  if (unit === 'month' || d === undefined) return `${mon} ${y}`;
  return `${mon} ${d}`;
}

export function StackedBars({ periods, unit, series, format, axisFormat, title, testId, height = 280, colorOf }: StackedBarsProps) {
  const theme = useChartTheme();
  const data = useMemo(
    () =>
      periods.map((p, i) => {
        const row: Record<string, number | string> = { label: periodLabel(p.label, unit), full: p.label };
        series.forEach((s, j) => (row[`s${j}`] = s.values[i] ?? 0));
        return row;
      }),
    [periods, series, unit],
  );
  const colors = series.map((s, i) => colorOf?.(s.key, theme) ?? colorFor(theme, s.key, i));
  const grand = series.reduce((a, s) => a + s.total, 0);
  const summary = `${title}: ${series.length} series over ${periods.length} ${unit}s, ${format(grand)} in total. ${series
    .slice(0, 8)
    .map((s) => `${s.label} ${format(s.total)}`)
    .join(', ')}.`;
  // Fewer ticks when there are many bars, so labels never overlap.
  const interval = periods.length > 16 ? Math.ceil(periods.length / 10) - 1 : 0;
  return (
    <figure className="chart" data-testid={testId} data-series-count={series.length} data-periods={periods.length}>
      <div className="chart-plot" role="img" aria-label={summary}>
        <ResponsiveContainer width="100%" height={height}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 4 }} barCategoryGap="18%">
            <CartesianGrid vertical={false} stroke={theme.grid} strokeDasharray="3 3" />
            <XAxis dataKey="label" tick={{ fill: theme.muted, fontSize: 12 }} tickLine={false} axisLine={{ stroke: theme.grid }} interval={interval} minTickGap={8} />
            <YAxis tick={{ fill: theme.muted, fontSize: 12 }} tickLine={false} axisLine={false} width={64} tickFormatter={(v: number) => (axisFormat ?? format)(v)} />
            <Tooltip
              cursor={{ fill: theme.grid, fillOpacity: 0.35 }}
              contentStyle={{ background: theme.panel, border: `1px solid ${theme.grid}`, borderRadius: 8, color: theme.text, fontSize: 12 }}
              labelStyle={{ color: theme.text, fontWeight: 600 }}
              itemStyle={{ color: theme.text, padding: 0 }}
              formatter={(v, name) => [format(Number(v)), name]}
              labelFormatter={(_, p) => (p?.[0]?.payload?.full as string | undefined) ?? ''}
            />
            {series.map((s, j) => (
              <Bar key={s.key || '(none)'} dataKey={`s${j}`} name={s.label} stackId="a" fill={colors[j]} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>
        <ul className="chart-legend" data-testid={`${testId}-legend`}>
          {series.map((s, j) => (
            <li key={s.key || '(none)'} data-testid={`${testId}-legend-item`} data-key={s.key}>
              <span className="chart-swatch" style={{ background: colors[j] }} aria-hidden="true" />
              <span className="chart-legend-label">{s.label}</span>
              <span className="chart-legend-value">{format(s.total)}</span>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
