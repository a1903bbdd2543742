import type { Plan } from '../model';
import { StackfitError } from '../model';
import { renderJson, type ReportExtras } from './json';
import { renderMarkdown } from './markdown';
import { renderTable } from './table';

export { planToJson, renderJson, REPORT_SCHEMA_VERSION, type ReportExtras } from './json';
export { renderMarkdown } from './markdown';
export { renderTable } from './table';

import { REPORT_FORMATS } from './formats';
export { REPORT_FORMATS, type ReportFormat } from './formats';

export function renderPlan(
  plan: Plan,
  format: string,
  extras: ReportExtras = {},
  opts: { color?: boolean; sparklines?: boolean } = {},
): string {
  switch (format) {
    case 'table':
      return renderTable(plan, extras, opts);
    case 'json':
      return renderJson(plan, extras);
    case 'markdown':
      return renderMarkdown(plan, extras);
    default:
      throw new StackfitError(`unknown format "${format}" (expected ${REPORT_FORMATS.join(', ')})`, '--format');
  }
}
