#!/usr/bin/env node
'use strict';
// Runs the compiled CLI (dist/). In a source checkout, dist/ is rebuilt first when src/ has
// changed since the last build (bin/build.js: content hash, lock, incremental tsc), so a
// checkout starts as fast as an installed package and never runs stale code.
const path = require('node:path');
const root = path.join(__dirname, '..');
try {
  require('./build.js').ensureBuilt(root, { log: (line) => process.stderr.write(`${line}\n`) });
} catch (err) {
  process.stderr.write(`stackfit: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
}
require(path.join(root, 'dist', 'src', 'cli', 'main.js'))
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`stackfit: ${err && err.message ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
