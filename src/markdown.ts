/**
 * The one Markdown escaping of stackfit's tables and inline code (PR body, cost comment,
 * Markdown report, job summary). Text comes from stack state and config: untrusted.
 */

/**
 * Text made safe for one GitHub table cell: line breaks (which end the row) become spaces and
 * every `|` (which ends the cell, even inside a code span) is escaped. Markdown the caller put
 * in the text on purpose (code spans, bold) is kept.
 */
export function markdownCell(text: string): string {
  // GitHub splits a row at every `|` not right after a backslash (cmark-gfm's table scanner).
  return text.replace(/\r\n?|[\n\u2028\u2029]/g, ' ').replace(/\|/g, '\\|');
}

/**
 * Untrusted text as an inline code span: a backtick (which would end the span) becomes `'`,
 * line breaks become spaces. Inside a code span HTML and Markdown are shown, never rendered.
 */
export function markdownCode(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\r\n?|[\n\u2028\u2029]/g, ' ')}\``;
}
