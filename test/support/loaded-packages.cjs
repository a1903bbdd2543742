'use strict';
// Preload (`node -r`) that writes, at exit, the npm packages the process loaded (one per line) to
// the file named by STACKFIT_LOADED_PACKAGES: the start-up tests check what a command pays for.
const fs = require('node:fs');
process.on('exit', () => {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf('/node_modules/');
    if (at < 0) continue;
    const parts = file.slice(at + '/node_modules/'.length).split('/');
    names.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  fs.writeFileSync(process.env.STACKFIT_LOADED_PACKAGES, [...names].sort().join('\n'));
});
