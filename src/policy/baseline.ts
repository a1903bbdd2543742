import * as path from 'node:path';
import type { Catalog } from '../catalog/types';
import { StackfitError } from '../model';
import { readInventory } from '../stack/inventory';
import type { Baseline } from './budget';
import { priceWorkload } from './pricing';
import { loadRecommendations } from './recommendations';

/**
 * Paths in policy config are relative to where `pulumi` was run ($PWD, which the CLI passes on),
 * not to the pack directory the pack runs in.
 */
export function resolveUserPath(p: string): string {
  return path.resolve(process.env.PWD ?? process.cwd(), p);
}

/**
 * The stack's current monthly cost, for the increase limits: priced from a state export with
 * the same catalog (preferred: like for like), or taken from a recommendations file's
 * `totals.monthlyBefore`. Throws a StackfitError naming the file when it cannot be read.
 */
export function loadBaseline(
  cfg: { currentStatePath?: string | undefined; recommendationsPath?: string | undefined },
  catalog: Catalog,
  stackConfig: Record<string, unknown>,
): Baseline | undefined {
  if (cfg.currentStatePath) {
    const file = resolveUserPath(cfg.currentStatePath);
    const inventory = readInventory(file, { stackConfig });
    let total = 0;
    let unpriced = 0;
    for (const w of inventory.workloads) {
      const p = priceWorkload(w, catalog);
      if (p.status === 'priced') total += p.monthlyUsd;
      else unpriced++;
    }
    return { monthlyUsd: total, source: `state ${cfg.currentStatePath}${unpriced ? `, ${unpriced} unpriced not counted` : ''}` };
  }
  if (cfg.recommendationsPath) {
    const recs = loadRecommendations(resolveUserPath(cfg.recommendationsPath));
    if (!recs.totals) throw new StackfitError('has no totals.monthlyBefore: cannot tell the current cost', recs.source);
    return { monthlyUsd: recs.totals.monthlyBefore, source: `recommendations ${cfg.recommendationsPath}` };
  }
  return undefined;
}
