import { StackfitError } from '../model';
import type { ConfigEdit, ConfigRef, ManualChange, Plan, PlanItem } from '../model';
import type { StackfitConfig } from '../config/schema';
import { findConfigMapping, samePlaceValue, type ConfigMapping, type MappingContext } from './mapping';
import { poolCountChanges, poolCountEdits, type PoolCountProperty } from '../pools/edits';
import {
  applyConfigEdits,
  canAddOrRemoveAt,
  formatRef,
  listConfigLeaves,
  parseStackConfig,
  type ParsedStackConfig,
} from './updaters/stack-config';

/**
 * Step 6: plan → config edits. Pure: the caller reads the stack config file and passes its text;
 * the edits are applied later by `applyConfigEdits` (or `applyEditsToFiles`).
 */

export interface PlanToEditsInput {
  plan: Plan;
  stack: string;
  /** Path of the stack config file relative to the repository root (`stacks/Pulumi.prod.yaml`). */
  configFile: string;
  configText: string;
  config: StackfitConfig;
  projectName: string;
}

export interface PlanToEditsResult {
  edits: ConfigEdit[];
  manual: ManualChange[];
}

interface Wanted {
  item: PlanItem;
  property: 'size' | 'cloud' | 'region' | 'zone' | 'arch' | 'count' | PoolCountProperty;
  ref: ConfigRef;
  from: string;
  to: string | number;
  op?: 'add' | 'remove';
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** What a plan item changes, property by property (only the properties whose value changes). */
function changesOf(item: PlanItem): { property: 'size' | 'cloud' | 'region' | 'count'; from: string; to: string }[] {
  const chosen = item.chosen;
  if (!chosen) return [];
  const w = item.workload;
  const out: { property: 'size' | 'cloud' | 'region' | 'count'; from: string; to: string }[] = [];
  if (chosen.size !== w.size) out.push({ property: 'size', from: w.size, to: chosen.size });
  if (item.countAfter !== undefined && item.countAfter !== w.count)
    out.push({ property: 'count', from: String(w.count), to: String(item.countAfter) });
  if (item.action === 'move') {
    if (chosen.cloud !== w.cloud) out.push({ property: 'cloud', from: w.cloud, to: chosen.cloud });
    if (chosen.region !== w.region) out.push({ property: 'region', from: w.region ?? '(unknown)', to: chosen.region });
  }
  return out;
}

/** Every property an item changes: size, cloud and region, and a pool's node counts. */
function allChangesOf(item: PlanItem): { property: string; from: string; to: string }[] {
  return [
    ...changesOf(item),
    ...poolCountChanges(item).map((c) => ({ property: `${c.property} nodes`, from: String(c.from), to: String(c.to) })),
  ];
}

function wantedEdits(
  item: PlanItem,
  mapping: ConfigMapping,
  fileName: string,
  parsed: ParsedStackConfig,
  options: { projectName?: string } = {},
): Wanted[] | { reason: string } {
  const changes = changesOf(item);
  const wanted: Wanted[] = [];
  for (const change of changes) {
    const ref = mapping[change.property];
    const current = mapping.current[change.property];
    if (!ref || current === undefined) {
      return {
        reason:
          change.property === 'size'
            ? `size is not set from config in ${fileName}`
            : change.property === 'count'
              ? `count is not set from config next to ${formatRef(mapping.size)} in ${fileName}: set the instance count to ${change.to} by hand`
              : `${change.property} is not set from config next to ${formatRef(mapping.size)} in ${fileName}: a move needs size, cloud and region in config`,
      };
    }
    if (!samePlaceValue(item.workload.cloud, current, change.from)) {
      return { reason: `${formatRef(ref)} in ${fileName} is ${current}, but the resource's ${change.property} is ${change.from}` };
    }
    // A count is written as a YAML number.
    wanted.push({ item, property: change.property, ref, from: current, to: change.property === 'count' ? Number(change.to) : change.to });
  }
  const extra = specSiblingEdits(item, mapping, fileName, parsed);
  if ('reason' in extra) return extra;
  // A node pool's counts sit next to its node type (src/pools/edits.ts).
  const counts = poolCountEdits(item, mapping.size, parsed, fileName, options);
  if ('reason' in counts) return counts;
  return [...wanted, ...extra, ...counts.edits.map((e) => ({ item, ...e }))];
}

/**
 * A workload spec object (size with cloud and region next to it, as in the example project) may
 * also set `zone` (GCP only, inside the region), `arch` (picks the OS image; default amd64) and
 * `image`. Keep them consistent with the new place and size, or say what must be done by hand.
 */
function specSiblingEdits(
  item: PlanItem,
  mapping: ConfigMapping,
  fileName: string,
  parsed: ParsedStackConfig,
): Wanted[] | { reason: string } {
  const chosen = item.chosen;
  if (!chosen || !mapping.cloud || !mapping.region) return [];
  const w = item.workload;
  const out: Wanted[] = [];
  const moved = item.action === 'move' && (chosen.cloud !== w.cloud || chosen.region !== w.region);
  const fromArch = item.current?.arch;
  const archChanges = fromArch !== undefined && chosen.arch !== fromArch;
  if (mapping.image && (archChanges || (moved && chosen.cloud !== w.cloud))) {
    return {
      reason: `${formatRef(mapping.image)} in ${fileName} sets an OS image for ${w.cloud}/${fromArch ?? 'its architecture'}: choose one for ${chosen.cloud}/${chosen.arch} and change it by hand`,
    };
  }
  if (moved && mapping.zone && mapping.current.zone !== undefined) {
    if (chosen.cloud !== 'gcp') {
      if (!canAddOrRemoveAt(parsed, mapping.zone)) {
        return {
          reason: `${formatRef(mapping.zone)} in ${fileName} (a GCP zone) must be removed when moving to ${chosen.cloud}, and stackfit only removes keys from indented objects: move it by hand`,
        };
      }
      out.push({ item, property: 'zone', ref: mapping.zone, from: mapping.current.zone, to: '', op: 'remove' });
    } else if (chosen.region !== w.region) {
      // `-b` is the zone every GCP region has (the example project's default zone too).
      out.push({ item, property: 'zone', ref: mapping.zone, from: mapping.current.zone, to: `${chosen.region}-b` });
    }
  }
  if (archChanges) {
    if (mapping.arch && mapping.current.arch !== undefined) {
      out.push({ item, property: 'arch', ref: mapping.arch, from: mapping.current.arch, to: chosen.arch });
    } else if (chosen.arch !== 'amd64') {
      // No `arch` key means amd64 (the example project's default): add one.
      const archRef = { key: mapping.size.key, path: [...mapping.size.path.slice(0, -1), 'arch'] };
      if (!canAddOrRemoveAt(parsed, archRef)) {
        return {
          reason: `${chosen.size} is ${chosen.arch}: add \`arch: ${chosen.arch}\` next to ${formatRef(mapping.size)} in ${fileName} by hand`,
        };
      }
      out.push({ item, property: 'arch', ref: archRef, from: '', to: chosen.arch, op: 'add' });
    }
  }
  return out;
}

/**
 * Turns the plan's `resize` and `move` items into edits of one stack config file. Items that
 * cannot be mapped back to config (or that would conflict with another item over the same value)
 * become manual changes with the reason. Secure values are never edited. Items of other stacks
 * (`workload.stack` set and different) are ignored.
 */
export function planToEdits(input: PlanToEditsInput): PlanToEditsResult {
  const fileName = baseName(input.configFile);
  const parsed = parseStackConfig(input.configText, input.configFile);
  const ctx: MappingContext = {
    parsed,
    fileName,
    stack: input.stack,
    projectName: input.projectName,
    config: input.config,
    leaves: listConfigLeaves(parsed),
  };
  const manual: ManualChange[] = [];
  const toManual = (item: PlanItem, reason: string): void => {
    for (const change of allChangesOf(item))
      manual.push({ urn: item.urn, property: change.property, from: change.from, to: change.to, reason });
  };

  const wanted: Wanted[] = [];
  for (const item of input.plan.items) {
    if (item.action !== 'resize' && item.action !== 'move') continue;
    if (item.workload.stack !== undefined && item.workload.stack !== input.stack) continue;
    if (allChangesOf(item).length === 0) continue;
    const found = findConfigMapping(item.workload, ctx);
    if (!found.ok) {
      toManual(item, found.reason);
      continue;
    }
    if (item.action === 'move' && found.mapping.source === 'inferred') {
      toManual(
        item,
        `the size was found in ${formatRef(found.mapping.size)} by its value, but not where cloud and region are set: add a \`mappings:\` entry, or move it by hand`,
      );
      continue;
    }
    const edits = wantedEdits(item, found.mapping, fileName, parsed, { projectName: input.projectName });
    if ('reason' in edits) toManual(item, edits.reason);
    else wanted.push(...edits);
  }

  // Several resources may share one config value: fine if they want the same new value.
  const byRef = new Map<string, Wanted[]>();
  for (const w of wanted) {
    const id = formatRef(w.ref);
    byRef.set(id, [...(byRef.get(id) ?? []), w]);
  }
  const conflicting = new Set<PlanItem>();
  for (const [id, group] of byRef) {
    const targets = [...new Set(group.map((w) => `${w.op ?? 'set'}:${w.to}`))];
    if (targets.length > 1) {
      for (const w of group) conflicting.add(w.item);
      byRef.delete(id);
    }
  }
  for (const item of conflicting) {
    toManual(item, `resources sharing a config value in ${fileName} were given different sizes: change it by hand or split the value`);
    for (const [id, group] of byRef) {
      const rest = group.filter((w) => w.item !== item);
      if (rest.length === 0) byRef.delete(id);
      else byRef.set(id, rest);
    }
  }

  const edits: ConfigEdit[] = [];
  for (const group of byRef.values()) {
    const first = group[0] as Wanted;
    edits.push({
      file: input.configFile,
      stack: input.stack,
      ref: first.ref,
      from: first.from,
      to: first.to,
      urns: [...new Set(group.map((w) => w.item.urn))].sort(),
      ...(first.op && { op: first.op }),
    });
  }
  edits.sort((a, b) => (formatRef(a.ref) < formatRef(b.ref) ? -1 : formatRef(a.ref) > formatRef(b.ref) ? 1 : 0));
  manual.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : a.property < b.property ? -1 : a.property > b.property ? 1 : 0));
  return { edits, manual };
}

/**
 * Applies edits to several files at once (edits grouped by `edit.file`). `files` maps each path to
 * its current text; the result holds the new text of every file that has edits.
 */
export function applyEditsToFiles(
  files: ReadonlyMap<string, string>,
  edits: readonly ConfigEdit[],
  options: { projectName?: string } = {},
): Map<string, string> {
  const byFile = new Map<string, ConfigEdit[]>();
  for (const edit of edits) byFile.set(edit.file, [...(byFile.get(edit.file) ?? []), edit]);
  const out = new Map<string, string>();
  for (const [file, fileEdits] of byFile) {
    const text = files.get(file);
    if (text === undefined) throw new StackfitError('no file text given for these edits', file);
    out.set(file, applyConfigEdits(text, fileEdits, file, options));
  }
  return out;
}
