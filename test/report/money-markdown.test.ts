import { describe, expect, it } from 'vitest';
import { signedUsd, usd } from '../../src/money';
import { markdownCell, markdownCode } from '../../src/markdown';

describe('usd: the one money format', () => {
  it('writes en-US dollars with thousands separators and two decimals', () => {
    expect(usd(1234567.891)).toBe('$1,234,567.89');
    expect(usd(0)).toBe('$0.00');
    expect(usd(7)).toBe('$7.00');
    expect(usd(1234.5, 0)).toBe('$1,235');
  });

  it('puts the minus before the dollar sign, and never on an amount that rounds to zero', () => {
    expect(usd(-12)).toBe('-$12.00');
    expect(usd(-1234.5)).toBe('-$1,234.50');
    expect(usd(-0.004)).toBe('$0.00');
    expect(usd(-0)).toBe('$0.00');
    expect(usd(-0.4, 0)).toBe('$0');
  });

  it('rounds half away from zero on the number as written, as a reader expects', () => {
    expect(usd(2.675)).toBe('$2.68'); // the double is 2.67499999…, but a reader sees 2.675 (toFixed says 2.67)
    expect(usd(0.125)).toBe('$0.13'); // exactly representable: half away from zero
    expect(usd(-0.125)).toBe('-$0.13');
    expect(usd(999.995)).toBe('$1,000.00');
  });

  it('says n/a for what is not an amount', () => {
    expect(usd(undefined)).toBe('n/a');
    expect(usd(Number.NaN)).toBe('n/a');
    expect(usd(Number.POSITIVE_INFINITY)).toBe('n/a');
  });

  it('signs changes, with $0.00 for no change', () => {
    expect(signedUsd(12)).toBe('+$12.00');
    expect(signedUsd(-3.4)).toBe('-$3.40');
    expect(signedUsd(-1234.567)).toBe('-$1,234.57');
    expect(signedUsd(0.004)).toBe('$0.00');
    expect(signedUsd(-0.004)).toBe('$0.00');
    expect(signedUsd(undefined)).toBe('n/a');
  });
});

describe('markdownCell / markdownCode: the one Markdown escaping', () => {
  it('keeps a row whole: pipes escaped, line breaks made spaces', () => {
    expect(markdownCell('a|b')).toBe('a\\|b');
    expect(markdownCell('line1\nline2\r\nline3\rline4\u2028x')).toBe('line1 line2 line3 line4 x');
    const row = `| ${markdownCell('x | y\n| z')} | next |`;
    // GitHub splits a row at every pipe not preceded by a backslash.
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(2);
  });

  it('escapes a pipe even inside a code span the caller wrote (GitHub splits cells first)', () => {
    expect(markdownCell(markdownCode('web|db'))).toBe('`web\\|db`');
  });

  it('keeps HTML and backticks inert inside a code span', () => {
    expect(markdownCode('<img src=x onerror=alert(1)>')).toBe('`<img src=x onerror=alert(1)>`');
    expect(markdownCode('a`b``c')).toBe("`a'b''c`");
    expect(markdownCode('two\nlines')).toBe('`two lines`');
  });
});
