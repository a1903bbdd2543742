import { StackfitError } from '../model';

/** `--now`: the end of the look-back window; undefined means now. */
export function parseNowOption(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const now = new Date(value);
  if (Number.isNaN(now.getTime())) throw new StackfitError(`"${value}" is not a date`, '--now');
  return now;
}

/** `--lookback`: days of history (14 / 32 / 93 as in Compute Optimizer, or any up to CloudWatch's 455). */
export function parseLookbackOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const days = Number(value.replace(/d$/, ''));
  if (!Number.isFinite(days) || days <= 0 || days > 455)
    throw new StackfitError(`"${value}" is not a number of days between 0 and 455`, '--lookback');
  return days;
}
