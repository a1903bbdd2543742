/**
 * Escaping for chart text. Resource names come from stack state and config: untrusted. A label
 * must never end a Mermaid string, start a comment or directive (`%%`), decode an entity
 * (`#quot;`), close a Markdown code fence or inject markup into an SVG or an HTML `<summary>`.
 */

/** Longest label a chart shows; longer ones are cut with an ellipsis. */
export const MAX_LABEL_CHARS = 60;

// Letters and digits of any script, and punctuation that means nothing to Mermaid's xychart
// grammar, Markdown fences or HTML. Everything else (quotes, backticks, `#`, `;`, `%`, `<`, `>`,
// `&`, brackets, braces, `|`, `\`, `*`, control characters, newlines) becomes `_` or a space.
const UNSAFE = /[^\p{L}\p{N} ._:/()+=@,'-]/gu;

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Text that is safe inside a double-quoted Mermaid string (title, axis name, category). */
export function mermaidText(text: string, max = MAX_LABEL_CHARS): string {
  const flat = text
    .replace(/[\r\n\t\v\f\u2028\u2029]+/g, ' ')
    .replace(UNSAFE, '_')
    // `-->` is Mermaid's range arrow; `--` alone is harmless but keep names from spelling arrows.
    .replace(/-{2,}/g, '-')
    .replace(/ {2,}/g, ' ')
    .trim();
  return cut(flat, max) || '_';
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for SVG `<text>` content or attribute values, and for HTML such as `<summary>`. */
export function xmlText(text: string, max = MAX_LABEL_CHARS): string {
  const flat = text
    // XML 1.0 forbids most control characters even when escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .trim();
  return cut(flat, max).replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

/** HTML for a Markdown `<summary>`: escaped, and in `<code>` so `@name` or `#1` never link or ping. */
export function htmlCode(text: string, max = MAX_LABEL_CHARS): string {
  return `<code>${xmlText(text, max).replace(/`/g, '&#96;')}</code>`;
}
