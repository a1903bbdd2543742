/** Chart data, independent of how it is drawn (Mermaid, SVG, sparkline). */

/**
 * A chart over named categories (days, stacks, clouds): every series has one value per category;
 * `null` is a gap (no data). Bars are drawn before lines.
 */
export interface CategoryChart {
  title: string;
  categories: string[];
  /** Axis title under the categories. */
  xLabel?: string;
  /**
   * Number the categories 1…n on a numeric axis instead of writing each one (Mermaid draws
   * every category label: 32 dates overlap). Say what they are in `xLabel`.
   */
  numbered?: boolean;
  yLabel: string;
  /** Axis range; default 0 up to a nice value above the largest value. */
  yMin?: number;
  yMax?: number;
  series: CategorySeries[];
}

export interface CategorySeries {
  name: string;
  kind: 'bar' | 'line';
  values: (number | null)[];
  /** CSS colour (`#rrggbb`); default from PALETTE by position. */
  color?: string;
}

/** A chart over a numeric x axis (e.g. the back-test sweep: under-provisioning vs savings). */
export interface XYChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: XYSeries[];
  /** Axis ranges; default: nice ranges around the data (y from 0 when all values are ≥ 0). */
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  /** Text at chosen x positions instead of numbers (e.g. dates). */
  xTickLabels?: { x: number; label: string }[];
}

export interface XYSeries {
  name: string;
  kind: 'line' | 'scatter';
  points: { x: number; y: number }[];
  color?: string;
}

/** Colour-blind-safe enough, and distinct on GitHub's light and dark themes. */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'] as const;

export function colorOf(series: { color?: string }, index: number): string {
  const c = series.color;
  // Only plain hex colours reach Mermaid front matter or SVG attributes.
  return c && /^#[0-9a-fA-F]{6}$/.test(c) ? c : PALETTE[index % PALETTE.length]!;
}
