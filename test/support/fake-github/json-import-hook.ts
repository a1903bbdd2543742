import { register } from 'node:module';

/**
 * @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }`, which Node 20's
 * ESM loader refuses. This loader hook supplies the attribute for .json files, so GitHub's own
 * parser can be loaded from a test. Call before importing the parser.
 */
const HOOK = `
export async function load(url, context, next) {
  if (url.endsWith('.json') && !(context.importAttributes && context.importAttributes.type)) {
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return next(url, context);
}`;

let registered = false;
export function allowJsonImports(): void {
  if (registered) return;
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
  registered = true;
}
