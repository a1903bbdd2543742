/**
 * Makes `policies/` a self-contained CrossGuard pack, as `pulumi policy publish` needs: it packs
 * the pack folder alone (npm pack) and the service installs only that folder's dependencies.
 * So the pack's code is bundled into `policies/bin/index.js` (everything but @pulumi/policy,
 * which the pack's package.json lists) and the price catalog is copied to `policies/catalog/`
 * (the bundle finds it beside its package.json). Run by `npm run build`.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const repoDir = path.resolve(__dirname, '..');
export const packDir = path.join(repoDir, 'policies');

/**
 * Bundles the pack into `<outDir>/bin/` and copies the catalog to `<outDir>/catalog/` (outDir is
 * `policies/` but in tests). Both folders end up holding exactly this build's files: one a
 * previous build wrote (a LEGAL.txt of a dependency since made external) must not ship.
 */
export async function buildPolicyPack(outDir = packDir): Promise<void> {
  const binDir = path.join(outDir, 'bin');
  const result = await build({
    entryPoints: [path.join(packDir, 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // jsonc-parser's UMD main hides its requires from the bundler; its ESM build bundles.
    mainFields: ['module', 'main'],
    outfile: path.join(binDir, 'index.js'),
    // Written below, so that a failed build leaves the last good one and a good one leaves no stale file.
    write: false,
    // The pack's only runtime dependency (it brings @pulumi/pulumi, whose run-policy-pack the CLI launches).
    // The monitoring SDKs: stackfit.yaml's schema knows every usage source (src/usage/registry.ts),
    // but the pack never fetches usage, so the SDKs those sources load lazily stay out of it.
    external: [
      '@pulumi/policy',
      '@pulumi/policy/*',
      '@pulumi/pulumi',
      '@pulumi/pulumi/*',
      '@azure/identity',
      '@azure/arm-monitor',
      '@aws-sdk/*',
      '@google-cloud/*',
    ],
    sourcemap: false,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  mkdirSync(binDir, { recursive: true });
  const written = new Set<string>();
  for (const file of result.outputFiles) {
    // Renamed into place: a test reading the pack while another builds it never sees half a file.
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
    written.add(path.basename(file.path));
  }
  // (`.tmp`: another build's file on its way in.)
  for (const name of readdirSync(binDir))
    if (!written.has(name) && !name.endsWith('.tmp')) rmSync(path.join(binDir, name), { recursive: true, force: true });
  const catalogOut = path.join(outDir, 'catalog');
  rmSync(catalogOut, { recursive: true, force: true });
  mkdirSync(catalogOut, { recursive: true });
  for (const file of readdirSync(path.join(repoDir, 'catalog'))) {
    if (file.endsWith('.json') || file === 'NOTICE.md') copyFileSync(path.join(repoDir, 'catalog', file), path.join(catalogOut, file));
  }
}

if (require.main === module) {
  buildPolicyPack().catch((err: unknown) => {
    process.stderr.write(`build-policy-pack: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
