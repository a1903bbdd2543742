#!/usr/bin/env node
'use strict';
// In a source checkout (src/ present, tsx installed) run the TypeScript directly, so the command
// never runs stale compiled output; an installed package runs its precompiled dist/.
const path = require('node:path');
const fs = require('node:fs');
const source = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
let entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (fs.existsSync(source)) {
  let tsx;
  try {
    tsx = require.resolve('tsx/cjs', { paths: [path.join(__dirname, '..')] });
  } catch {
    // tsx absent (production install): run dist/.
  }
  if (tsx) {
    require(tsx);
    entry = source;
  }
}
require(entry).main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`stackfit: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
