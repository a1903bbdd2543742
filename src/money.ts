/**
 * The one way stackfit writes US dollars (PR text, cost comment, reports, policy messages, the
 * back-test). Amounts are en-US with thousands separators: `$1,234.56`, negative `-$1,234.56`.
 * Rounding is Intl's: half away from zero on the number as written (2.675 → 2.68, where toFixed
 * gives 2.67). An amount that rounds to zero never shows a sign (`$0.00`, not `-$0.00`). Not a
 * number: `n/a`.
 */

const formats = new Map<number, Intl.NumberFormat>();

function amount(abs: number, digits: number): string {
  let format = formats.get(digits);
  if (!format)
    formats.set(digits, (format = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return format.format(abs);
}

const isZero = (text: string): boolean => !/[1-9]/.test(text);

/** `$1,234.56`; negative as `-$1,234.56`; `digits` decimals (2 unless said). */
export function usd(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const text = amount(Math.abs(value), digits);
  return `${value < 0 && !isZero(text) ? '-' : ''}$${text}`;
}

/** A change with an explicit sign: `+$12.00`, `-$3.40`, and `$0.00` for what rounds to zero. */
export function signedUsd(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const text = amount(Math.abs(value), digits);
  if (isZero(text)) return `$${text}`;
  return `${value < 0 ? '-' : '+'}$${text}`;
}
