/**
 * `--output`: never overwrites an input of the run, writes through a FIFO / device / symlink
 * instead of replacing it, `-` is stdout, and a kill during the write leaves no temporary file.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EC2_EXPORT, REPO_ROOT, stackfit, tempDir } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const diffArgs = (output: string, base = EC2_EXPORT) => [
  'diff',
  '--base',
  base,
  '--head',
  EC2_EXPORT,
  '--format',
  'json',
  '--output',
  output,
];

describe('--output', () => {
  it('refuses to overwrite the --base input given as output (also through another path)', async () => {
    const base = path.join(dir, 'state.json');
    fs.copyFileSync(EC2_EXPORT, base);
    const before = fs.readFileSync(base, 'utf8');
    for (const output of [base, path.join(dir, '.', 'state.json')]) {
      const run = await stackfit(diffArgs(output, base));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`stackfit: ${output}: is also an input of this run (${base}): refusing to overwrite it`);
      expect(fs.readFileSync(base, 'utf8')).toBe(before);
    }
  });

  it('a dangling symlink: the link stays, its target is created (session 4 probe O01)', async () => {
    const target = path.join(dir, 'not-yet.json');
    const link = path.join(dir, 'dangling.json');
    fs.symlinkSync(target, link);
    const run = await stackfit(diffArgs(link));
    expect(run.code, run.stderr).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(fs.readFileSync(target, 'utf8'))).toHaveProperty('resources');
  });

  it('/dev/stdout, /dev/fd/1 and /dev/stderr go through the process streams (opening them fails when stdout is a socket; probes O03/O04)', async () => {
    for (const output of ['/dev/stdout', '/dev/fd/1']) {
      const run = await stackfit(diffArgs(output));
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toHaveProperty('resources');
    }
    const run = await stackfit(diffArgs('/dev/stderr'));
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr)).toHaveProperty('resources');
  });

  it('writes through a symlink (the link stays a link)', async () => {
    const target = path.join(dir, 'target.json');
    fs.writeFileSync(target, 'old');
    const link = path.join(dir, 'link.json');
    fs.symlinkSync(target, link);
    const run = await stackfit(diffArgs(link));
    expect(run.code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(fs.readFileSync(target, 'utf8'))).toHaveProperty('resources');
  });

  it('writes into a FIFO without replacing it', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d: Buffer) => (got += d.toString()));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    const run = await stackfit(diffArgs(fifo));
    await closed;
    expect(run.code).toBe(0);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    expect(JSON.parse(got)).toHaveProperty('resources');
  });

  it('a device (/dev/null) is written, not replaced; - is stdout', async () => {
    expect((await stackfit(diffArgs('/dev/null'))).code).toBe(0);
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
    const run = await stackfit(diffArgs('-'));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveProperty('resources');
    expect(fs.existsSync(path.join(process.cwd(), '-'))).toBe(false);
  });

  it('a SIGTERM during the write leaves the whole file or nothing, and no temporary file', async () => {
    const out = path.join(dir, 'big', 'report.txt');
    const script = `
      const { writeFileAtomic } = require(${JSON.stringify(path.join(REPO_ROOT, 'src/atomic-write.ts'))});
      const data = Buffer.alloc(128 * 1024 * 1024, 97);
      process.stdout.write('start\\n');
      setTimeout(() => writeFileAtomic(${JSON.stringify(out)}, data), 50);
    `;
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGTERM'), 80));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGTERM');
    const left = fs.existsSync(path.dirname(out)) ? fs.readdirSync(path.dirname(out)) : [];
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    if (left.includes('report.txt')) expect(fs.statSync(out).size).toBe(128 * 1024 * 1024);
  }, 30_000);
});
