/** Axis helpers shared by the Mermaid and SVG renderers. */

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) that splits `span` into about `count` parts. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** The axis range: from `min` (or 0) up to the next nice tick above `max`, never empty. */
export function niceRange(min: number, max: number, count = 5): { min: number; max: number; step: number } {
  const lo = Number.isFinite(min) ? min : 0;
  const hi = Number.isFinite(max) && max > lo ? max : lo + 1;
  const step = niceStep(hi - lo, count);
  return { min: Math.floor(lo / step) * step, max: Math.ceil(hi / step) * step, step };
}

/** A number as short text: at most `digits` decimals, no trailing zeros, never `-0`. */
export function shortNumber(value: number, digits = 2): string {
  const rounded = Number(value.toFixed(digits));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}
