/** Report formats, in a module of its own so that the CLI can list them without loading the renderers. */
export const REPORT_FORMATS = ['table', 'json', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
