/** Eight heights of Unicode block; a gap (no data) is a space. */
const BLOCKS = '▁▂▃▄▅▆▇█';

/**
 * A one-line Unicode sparkline. Longer series are cut into `width` groups, each drawn at its
 * peak (a sparkline of usage must not hide a spike). Heights are relative to `max` (e.g. today's
 * capacity, so a mostly idle machine reads as a flat low line); default: the series' own peak.
 */
export function sparkline(values: readonly (number | null)[], opts: { width?: number; max?: number } = {}): string {
  const width = Math.max(1, Math.floor(opts.width ?? 24));
  const groups: (number | null)[] = [];
  const size = Math.max(1, values.length / width);
  for (let start = 0; Math.round(start) < values.length; start += size) {
    let peak: number | null = null;
    for (let i = Math.round(start); i < Math.min(values.length, Math.round(start + size)); i++) {
      const v = values[i];
      if (v !== null && v !== undefined && Number.isFinite(v)) peak = peak === null ? v : Math.max(peak, v);
    }
    groups.push(peak);
  }
  const seen = groups.filter((v): v is number => v !== null);
  const top = Math.max(opts.max !== undefined && opts.max > 0 ? opts.max : 0, ...seen);
  return groups
    .map((v) => {
      if (v === null) return ' ';
      if (!(top > 0) || v <= 0) return BLOCKS[0]!;
      const level = Math.min(BLOCKS.length - 1, Math.max(0, Math.ceil((v / top) * BLOCKS.length) - 1));
      return BLOCKS[level]!;
    })
    .join('');
}
