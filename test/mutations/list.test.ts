/**
 * The mutation list stays usable: docs/DEVELOPING.md's table and scripts/mutations.ts name the
 * same mutations, each names an existing test file, and each one's text to break is in its file
 * exactly once (code moved under a mutation makes it a silent no-op otherwise).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATIONS } from '../../scripts/mutations';

const ROOT = path.resolve(__dirname, '../..');

/** The rows of the "## Mutations" table: id, file and test (the first path in backticks of each cell). */
function documentedMutations(): { id: string; file: string; test: string }[] {
  const text = readFileSync(path.join(ROOT, 'docs/DEVELOPING.md'), 'utf8');
  const section = text.slice(text.indexOf('\n## Mutations'));
  const table = section.slice(0, section.indexOf('\n## ', 1));
  return table
    .split('\n')
    .filter((line) => /^\| [a-z][a-z0-9-]* \|/.test(line) && !line.startsWith('| id |'))
    .map((line) => {
      const cells = line.split(' | ');
      const code = (cell: string) => /`([^`]+)`/.exec(cell)?.[1] ?? '';
      return { id: cells[0]!.slice(2), file: code(cells[1]!), test: code(cells[3]!) };
    });
}

describe('the mutation list', () => {
  it('docs/DEVELOPING.md lists exactly the mutations scripts/mutations.ts runs, with the same file and test', () => {
    const documented = documentedMutations();
    expect(documented.length).toBeGreaterThanOrEqual(20);
    expect(documented).toEqual(MUTATIONS.map((m) => ({ id: m.id, file: m.file, test: m.test })));
  });

  it.each(MUTATIONS.map((m) => [m.id, m] as const))('%s: its text is in its file exactly once, and its test file exists', (_id, m) => {
    const source = readFileSync(path.join(ROOT, m.file), 'utf8');
    const first = source.indexOf(m.find);
    expect(first, `${m.file} lacks the text`).toBeGreaterThanOrEqual(0);
    expect(source.indexOf(m.find, first + 1), `${m.file} has the text twice`).toBe(-1);
    expect(m.replace).not.toBe(m.find);
    expect(existsSync(path.join(ROOT, m.test)), m.test).toBe(true);
  });
});
