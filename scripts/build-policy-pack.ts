/**
 * Makes `policies/` a self-contained CrossGuard pack, as `pulumi policy publish` needs: it packs
 * the pack folder alone (npm pack) and the service installs only that folder's dependencies.
 * So the pack's code is bundled into `policies/bin/index.js` (everything but @pulumi/policy,
 * which the pack's package.json lists) and the price catalog is copied to `policies/catalog/`
 * (the bundle finds it beside its package.json). Run by `npm run build`.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

export const repoDir = path.resolve(__dirname, '..');
export const packDir = path.join(repoDir, 'policies');

export async function buildPolicyPack(): Promise<void> {
  await build({
    entryPoints: [path.join(packDir, 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // jsonc-parser's UMD main hides its requires from the bundler; its ESM build bundles.
    mainFields: ['module', 'main'],
    outfile: path.join(packDir, 'bin/index.js'),
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
  const catalogOut = path.join(packDir, 'catalog');
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
