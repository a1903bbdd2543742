/**
 * `npm run bench`: runs every benchmark in its own process (so memory figures are per
 * benchmark), in a fixed order, and stops at the first failure. `npm run bench -- NAME...` runs some.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ALL = [
  'startup',
  'pack-install',
  'catalog',
  'forecast',
  'optimize',
  'solver-compare',
  'pipeline',
  'plan-rules',
  'edits',
  'pr',
  'policy',
  'price-refresh',
  'usage',
  'csv',
  'pools',
  'cloud-monitoring',
  'hostile',
];
const selected = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = selected.length ? selected : ALL;

for (const name of names) {
  if (!ALL.includes(name)) {
    process.stderr.write(`unknown benchmark "${name}" (expected ${ALL.join(', ')})\n`);
    process.exit(2);
  }
  process.stdout.write(`\n=== bench/${name}.ts\n`);
  const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  const result = spawnSync(tsx, [path.join(__dirname, `${name}.ts`)], { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`bench/${name}.ts failed (exit ${result.status ?? result.signal})\n`);
    process.exit(1);
  }
}
