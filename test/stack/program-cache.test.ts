import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryFromProgram } from '../../src/stack';

/**
 * The demo's cache of the example program's run (src/stack/program-cache.ts), on a copy of the
 * example project. A hit is observed by planting a marker in the cached entry: a result that
 * carries the marker came from the cache, one without it from a real run of the program.
 */
const ROOT = path.resolve(__dirname, '../..');
let project: string;
let cacheDir: string;
const MARKER = 'm5.cached-marker';

function entryFile(): string {
  const files = readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return path.join(cacheDir, files[0]!);
}

/** Rewrites the cached `web` instance type, so that a cache hit is visible in the inventory. */
function plantMarker(): void {
  const file = entryFile();
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('"m5.2xlarge"');
  writeFileSync(file, text.replaceAll('"m5.2xlarge"', `"${MARKER}"`));
}

const webSize = async (): Promise<string | undefined> =>
  (await inventoryFromProgram({ projectDir: project, stack: 'prod', cacheDir })).workloads.find((w) => w.name === 'web')?.size;

beforeAll(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-program-cache-'));
  project = path.join(dir, 'project');
  cacheDir = path.join(dir, 'cache');
  for (const item of ['Pulumi.yaml', 'stackfit.yaml', 'infra', 'stacks', 'package.json', 'package-lock.json'])
    cpSync(path.join(ROOT, item), path.join(project, item), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'));
});
afterAll(() => rmSync(path.dirname(project), { recursive: true, force: true }));

describe('the example program run, cached', () => {
  it('a second run with nothing changed comes from the cache', async () => {
    expect(await webSize()).toBe('m5.2xlarge');
    plantMarker();
    expect(await webSize()).toBe(MARKER);
  }, 300_000);

  it('a change to the stack config runs the program again', async () => {
    const stackFile = path.join(project, 'stacks', 'Pulumi.prod.yaml');
    const original = readFileSync(stackFile, 'utf8');
    writeFileSync(stackFile, original.replace('size: m5.2xlarge', 'size: m5.xlarge'));
    expect(await webSize()).toBe('m5.xlarge');
    // Back to the first config: its entry (with the marker) is still valid.
    writeFileSync(stackFile, original);
    expect(await webSize()).toBe(MARKER);
  }, 300_000);

  it('a change to any program file, or to the lockfile, runs the program again', async () => {
    const workloadTs = path.join(project, 'infra', 'workload.ts');
    const original = readFileSync(workloadTs, 'utf8');
    appendFileSync(workloadTs, '\n// edited\n');
    expect(await webSize()).toBe('m5.2xlarge');
    writeFileSync(workloadTs, original);
    rmSync(cacheDir, { recursive: true, force: true });
    expect(await webSize()).toBe('m5.2xlarge');
    plantMarker();
    appendFileSync(path.join(project, 'package-lock.json'), '\n');
    expect(await webSize()).toBe('m5.2xlarge');
  }, 300_000);

  it('without a lockfile (SDK versions unknown) nothing is cached', async () => {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(path.join(project, 'package-lock.json'));
    expect(await webSize()).toBe('m5.2xlarge');
    expect(() => readdirSync(cacheDir)).toThrow();
  }, 300_000);
});
