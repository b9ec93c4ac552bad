// Chart colors come from CSS variables (styles.css: --chart-1..8 and the UI's text/border/panel colors), read when
// the theme changes, so charts follow light and dark like the rest of the app. SVG presentation attributes do not
// resolve var(), so the values are read with getComputedStyle and passed to recharts as plain colors.
import { useEffect, useState } from 'react';

export interface ChartTheme {
  series: string[];
  text: string;
  muted: string;
  grid: string;
  panel: string;
  /** The color of '(other)' / '(untagged)' / '(none)' series. */
  other: string;
  /** Semantic colors (DLP actions: block = error, warn = warn, allow = ok). */
  error: string;
  warn: string;
  ok: string;
}

const FALLBACK: ChartTheme = {
  series: ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#6741d9', '#0b7285', '#a07a00', '#5c940d'],
  text: '#1b1f27',
  muted: '#5c6473',
  grid: '#dde1e8',
  panel: '#ffffff',
  other: '#9aa3b2',
  error: '#b3261e',
  warn: '#8a5a00',
  ok: '#1f7a44',
};

export function readChartTheme(): ChartTheme {
  if (typeof document === 'undefined') return FALLBACK;
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, fb: string) => cs.getPropertyValue(name).trim() || fb;
  return {
    series: FALLBACK.series.map((c, i) => v(`--chart-${i + 1}`, c)),
    text: v('--text', FALLBACK.text),
    muted: v('--muted', FALLBACK.muted),
    grid: v('--border', FALLBACK.grid),
    panel: v('--panel', FALLBACK.panel),
    other: v('--chart-other', FALLBACK.other),
    error: v('--chart-error', FALLBACK.error),
    warn: v('--chart-warn', FALLBACK.warn),
    ok: v('--chart-ok', FALLBACK.ok),
  };
}

/** The current chart colors; re-read when the OS switches between light and dark. */
export function useChartTheme(): ChartTheme {
  const [theme, setTheme] = useState(readChartTheme);
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const update = () => setTheme(readChartTheme());
    mq.addEventListener('change', update);
    update();
    return () => mq.removeEventListener('change', update);
  }, []);
  return theme;
}

/** Synthetic keys ('', '(other)', '(untagged)') get the neutral color; the rest cycle through the palette. */
export function colorFor(theme: ChartTheme, key: string, index: number): string {
  if (key === '' || key.startsWith('(')) return theme.other;
  return theme.series[index % theme.series.length]!;
}
