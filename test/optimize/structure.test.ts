import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Every function-like node in a source file with its line span. */
function functionSpans(file: string): { name: string; lines: number }[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : `<anonymous at line ${start + 1}>`;
      out.push({ name: `${path.basename(file)}:${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('optimiser source', () => {
  it('keeps every function in src/optimize/ at 150 lines or fewer', () => {
    const dir = path.resolve(__dirname, '../../src/optimize');
    const spans = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => functionSpans(path.join(dir, f)));
    expect(spans.length).toBeGreaterThan(20);
    expect(spans.filter((s) => s.lines > 150)).toEqual([]);
  });
});
