import { sameSpecAlternatives } from '../catalog/candidates';
import { isAzureNvmeOnly } from '../catalog/price-notes';
import type { Catalog } from '../catalog/types';
import type { Arch, Cloud, Offering, Workload } from '../model';
import { usd } from './money';
import { offeringFor, type PriceNote, type PricedWorkload } from './pricing';
import type { RecommendationItem } from './recommendations';

/**
 * The right-size check: the resource's size differs from stackfit's latest recommendation.
 * The saving is priced from the catalog for the size the preview sets (the resource may have
 * changed since the recommendation); the report's own delta is used when the catalog cannot.
 */
export function rightSizeMessage(
  workload: Workload,
  rec: RecommendationItem,
  catalog: Catalog,
  source: string,
  minMonthlySavingUsd = 0,
  note?: PriceNote,
): string | undefined {
  const chosen = rec.chosen;
  if (!chosen) return undefined;
  const samePlace = chosen.cloud === workload.cloud && (workload.region === undefined || chosen.region === workload.region);
  // A pool's plan sets its type and node count together: the count is part of the recommendation.
  const countAfter = workload.pool && rec.countAfter !== undefined ? rec.countAfter : workload.count;
  if (samePlace && chosen.size.toLowerCase() === workload.size.toLowerCase() && countAfter === workload.count) return undefined;
  const current = offeringFor(workload, catalog);
  const chosenOffering = catalog.lookup(
    chosen.cloud as Cloud,
    chosen.region,
    chosen.size,
    workload.kind === 'database' ? { engine: workload.engine, multiAz: workload.multiAz ?? false } : undefined,
  );
  const chosenMonthly = chosenOffering?.monthlyUsd ?? chosen.monthlyUsd;
  let saving: number | undefined;
  if (current && chosenMonthly !== undefined) saving = current.monthlyUsd * workload.count - chosenMonthly * countAfter;
  else if (rec.current?.size === workload.size && typeof rec.monthlyDelta === 'number') saving = -rec.monthlyDelta;
  if (saving !== undefined && saving < minMonthlySavingUsd) return undefined;
  const where = samePlace ? '' : ` in ${chosen.cloud} ${chosen.region}`;
  const savingText =
    saving === undefined
      ? 'saving unknown: the current size is not in the catalog'
      : saving >= 0
        ? `saves ${usd(saving)}/month`
        : `costs ${usd(-saving)}/month more, to meet forecast demand`;
  const prices = current && chosenOffering ? priceNotes([current, chosenOffering], note) : '';
  const what = workload.pool
    ? `${countAfter} × ${chosen.size}${where} instead of ${workload.count} × ${workload.size}`
    : `${chosen.size}${where} instead of ${workload.size}${workload.count > 1 ? ` (× ${workload.count})` : ''}`;
  return `${workload.name}: stackfit recommends ${what}, ${savingText}${prices} (from ${source}).`;
}

/**
 * ` at your prices (m5.large −22 % (pricing.discounts[0]: savings plan); m5a.large list price)`
 * when the price book changed any of the prices compared (one note when it is the same for
 * every size); empty at list prices.
 */
export function priceNotes(offerings: readonly Offering[], note: PriceNote | undefined): string {
  if (!note) return '';
  const notes = offerings.map((o) => note(o));
  if (notes.every((n) => n === undefined)) return '';
  if (notes.length > 1 && notes.every((n) => n === notes[0]))
    return ` at your prices (${notes[0]}, ${notes.length === 2 ? 'both sizes' : `all ${notes.length} sizes`})`;
  return ` at your prices (${offerings.map((o, i) => `${o.size} ${notes[i] ?? 'list price'}`).join('; ')})`;
}

export interface GenerationOptions {
  allowArm64: boolean;
  disallowedFamilies: readonly string[];
  reportCheaperCurrentGeneration: boolean;
  minMonthlySavingUsd: number;
}

export function familyDisallowed(family: string, disallowed: readonly string[]): string | undefined {
  return disallowed.find((d) => family === d || family.startsWith(d));
}

/**
 * Lower-cased size → family of the first offering of that size, per catalog, cloud and kind. Built
 * once: a scan of every region's offerings per unpriced resource made a 9,400-resource `check`
 * spend seconds here (issue 13).
 */
const familyIndexes = new WeakMap<Catalog, Map<string, Map<string, string>>>();
function familyIndex(catalog: Catalog, cloud: Workload['cloud'], kind: Workload['kind']): Map<string, string> {
  let byPlace = familyIndexes.get(catalog);
  if (!byPlace) familyIndexes.set(catalog, (byPlace = new Map<string, Map<string, string>>()));
  const key = `${cloud}|${kind}`;
  let index = byPlace.get(key);
  if (!index) {
    index = new Map();
    for (const o of catalog.offerings({ cloud, kind })) {
      const size = o.size.toLowerCase();
      if (!index.has(size)) index.set(size, o.family);
    }
    byPlace.set(key, index);
  }
  return index;
}

/**
 * The family of a size the catalog cannot price where it runs: from any region that sells it, else
 * (AWS) the name's prefix (`t2.micro` → `t2`). A family rule needs no price.
 */
export function familyOfSize(w: Pick<Workload, 'cloud' | 'kind' | 'size'>, catalog: Catalog): string | undefined {
  const known = familyIndex(catalog, w.cloud, w.kind).get(w.size.toLowerCase());
  if (known !== undefined) return known;
  if (w.cloud === 'aws') {
    const m = /^((?:db\.)?[a-z][a-z0-9-]*)\./i.exec(w.size);
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}

/** The generation check for a size with no price where it runs: only the family rule applies. */
export function unpricedFamilyMessage(w: Workload, reason: string, catalog: Catalog, disallowed: readonly string[]): string | undefined {
  const family = familyOfSize(w, catalog);
  const banned = family === undefined ? undefined : familyDisallowed(family, disallowed);
  if (!banned) return undefined;
  return `${w.name}: family ${family} is disallowed (disallowedFamilies: ${banned}); no same-spec alternative suggested: ${reason}.`;
}

/**
 * The generation check: a previous-generation or disallowed family, and the cheapest same-spec
 * current-generation alternative (arm64 too when allowed) with its saving.
 */
export function generationMessage(
  priced: PricedWorkload & { status: 'priced' },
  catalog: Catalog,
  opts: GenerationOptions,
  note?: PriceNote,
): string | undefined {
  const { workload: w, offering } = priced;
  const problems: string[] = [];
  if (!offering.currentGeneration) problems.push(`${w.size} is a previous-generation size (family ${offering.family})`);
  const banned = familyDisallowed(offering.family, opts.disallowedFamilies);
  if (banned) problems.push(`family ${offering.family} is disallowed (disallowedFamilies: ${banned})`);
  // sameSpecAlternatives offers a burstable size only for a burstable one (src/clouds/burstable.ts).
  const alternative = sameSpecAlternatives(offering, catalog, { includeArm64: opts.allowArm64 }).find(
    (o) => !familyDisallowed(o.family, opts.disallowedFamilies),
  );
  const saving = alternative ? (offering.monthlyUsd - alternative.monthlyUsd) * w.count : 0;
  if (problems.length === 0) {
    if (!opts.reportCheaperCurrentGeneration || !alternative || saving < opts.minMonthlySavingUsd) return undefined;
  }
  const alt = alternative
    ? `${alternative.size} (${alternative.vcpu} vCPU, ${alternative.memoryGiB} GiB, ${alternative.arch}) is current-generation with the same or more capacity at ${usd(alternative.monthlyUsd)}/month vs ${usd(offering.monthlyUsd)}, saving ${usd(saving)}/month${w.count > 1 ? ` for ${w.count} ${w.pool ? 'nodes' : 'instances'}` : ''}${priceNotes([offering, alternative], note)}`
    : `no cheaper same-spec current-generation size in ${w.region}${opts.allowArm64 ? '' : ' (amd64; set allowArm64 to consider arm64)'}`;
  const head = problems.length ? `${w.name}: ${problems.join('; ')}. ` : `${w.name}: `;
  const nvme = alternative && w.cloud === 'azure' && isAzureNvmeOnly(alternative.size) && !isAzureNvmeOnly(offering.size);
  return `${head}${alt}${nvme ? `; ${alternative.size} supports the NVMe disk controller only: check that the image supports NVMe and switch the disk controller first` : ''}.`;
}

export interface PlacementRules {
  clouds?: readonly Cloud[];
  regions?: Partial<Record<Cloud, readonly string[]>>;
  architectures?: readonly Arch[];
}

export function placementConfigured(rules: PlacementRules): boolean {
  return Boolean(rules.clouds?.length || (rules.regions && Object.keys(rules.regions).length) || rules.architectures?.length);
}

/** The placement check: problems with the workload's cloud, region and architecture. */
export function placementProblems(w: Workload, offering: Offering | undefined, catalog: Catalog, rules: PlacementRules): string[] {
  const problems: string[] = [];
  if (rules.clouds?.length && !rules.clouds.includes(w.cloud)) {
    problems.push(`cloud ${w.cloud} is not allowed (allowed: ${rules.clouds.join(', ')})`);
  }
  const regions = rules.regions?.[w.cloud];
  if (regions?.length) {
    if (!w.region) problems.push(`region unknown: cannot verify it is one of ${regions.join(', ')}`);
    else if (!regions.some((r) => r.toLowerCase() === w.region!.toLowerCase()))
      problems.push(`region ${w.region} is not allowed for ${w.cloud} (allowed: ${regions.join(', ')})`);
  }
  if (rules.architectures?.length) {
    const arch = offering?.arch ?? archOfSize(w, catalog);
    if (!arch)
      problems.push(
        `architecture of ${w.size} unknown (not in stackfit's catalog): cannot verify it is ${rules.architectures.join(' or ')}`,
      );
    else if (!rules.architectures.includes(arch))
      problems.push(`architecture ${arch} (${w.size}) is not allowed (allowed: ${rules.architectures.join(', ')})`);
  }
  return problems;
}

/** The architecture of a size from any region where the catalog knows it. */
function archOfSize(w: Workload, catalog: Catalog): Arch | undefined {
  if (!catalog.knowsSize(w.cloud, w.size)) return undefined;
  for (const region of catalog.regions(w.cloud, w.kind)) {
    const o = catalog.lookup(
      w.cloud,
      region,
      w.size,
      w.kind === 'database' ? { engine: w.engine, multiAz: w.multiAz ?? false } : undefined,
    );
    if (o) return o.arch;
  }
  return catalog.offerings({ cloud: w.cloud, kind: w.kind }).find((o) => o.size.toLowerCase() === w.size.toLowerCase())?.arch;
}
