#!/usr/bin/env node
'use strict';
// In a source checkout (src/ present, tsx installed) run the TypeScript directly, so the command
// never runs stale compiled output; an installed package runs its precompiled dist/.
const path = require('node:path');
const fs = require('node:fs');
const source = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
let entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (fs.existsSync(source)) {
  try {
    const paths = [path.join(__dirname, '..')];
    require(require.resolve('tsx/cjs', { paths }));
    // Dynamic import() goes through Node's ESM loader: register tsx there too.
    require(require.resolve('tsx/esm/api', { paths })).register();
    entry = source;
  } catch {
    // tsx absent (production install): fall back to dist/.
  }
}
require(entry).main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`stackfit: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
