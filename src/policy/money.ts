/** `$1,234.56`; negative amounts as `-$12.00` (src/money.ts). */
export { usd } from '../money';

/** `+12.5%` with one decimal. */
export function percent(fraction: number): string {
  const p = fraction * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}
