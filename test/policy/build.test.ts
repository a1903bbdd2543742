import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPolicyPack } from '../../scripts/build-policy-pack';
import { repoDir } from './helpers';

const outDir = mkdtempSync(path.join(tmpdir(), 'stackfit-pack-build-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('scripts/build-policy-pack.ts', () => {
  it('leaves exactly this build in bin/ and catalog/: files of an earlier build are removed', async () => {
    // What an earlier build left: the LEGAL.txt of a dependency bundled then, and a retired catalog.
    mkdirSync(path.join(outDir, 'bin'), { recursive: true });
    mkdirSync(path.join(outDir, 'catalog'), { recursive: true });
    writeFileSync(path.join(outDir, 'bin/index.js.LEGAL.txt'), 'stale');
    writeFileSync(path.join(outDir, 'bin/index.js'), 'stale');
    writeFileSync(path.join(outDir, 'catalog/old-cloud.json'), '{}');

    await buildPolicyPack(outDir);

    expect(readdirSync(path.join(outDir, 'bin'))).toEqual(['index.js']);
    const shipped = readdirSync(path.join(repoDir, 'catalog')).filter((f) => f.endsWith('.json') || f === 'NOTICE.md');
    expect(readdirSync(path.join(outDir, 'catalog')).sort()).toEqual(shipped.sort());
    // The bundle is the pack, not what was there.
    const bundle = path.join(outDir, 'bin/index.js');
    expect(readFileSync(bundle, 'utf8')).toContain('stackfit-stack-budget');
  });
});
