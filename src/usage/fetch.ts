/**
 * Running several usage sources together: each cloud source is asked only for its cloud's
 * workloads, failures stay with their source, progress is shown, results merged (first source
 * with data wins). Sources only need the `UsageSource` contract; what resolve.ts adds (the cloud
 * served, progress hooks) is optional, so a bare source works too.
 */
import { StackfitError, type Cloud, type UsageRange, type UsageResult, type Workload } from '../model';
import type { ScheduledUsageSource } from './contract';
import { mergeUsageResults } from './index';
import { createProgress, silentProgress, type Progress, type ProgressOptions } from './progress';
import { usageSourcesFor } from './registry';

/** A source that threw: its workloads have no data because the source failed, not because they are idle. */
export interface UsageSourceFailure {
  source: string;
  error: unknown;
}

/** Merged usage plus the sources that failed (callers must not read a failure as "nothing to recommend"). */
export interface FetchedUsage extends UsageResult {
  failures: UsageSourceFailure[];
}

/**
 * Runs every source on the workloads it serves, in parallel. A source that throws does not
 * lose the others' data: its workloads are listed as missing with the cause, and the source is
 * listed in `failures` so that the caller can refuse to act on an incomplete picture. Results are merged
 * in the order of `sources` (first with data wins); workloads no source serves are missing.
 */
export async function fetchUsage(
  sources: readonly ScheduledUsageSource[],
  workloads: readonly Workload[],
  range: UsageRange,
  /** progress: default from resolveUsageSources' `progress` option. */
  opts: { progress?: boolean; progressOptions?: ProgressOptions; label?: string } = {},
): Promise<FetchedUsage> {
  const assignments = sources.map((source) => ({
    source,
    workloads: source.cloud ? workloads.filter((w) => w.cloud === source.cloud) : [...workloads],
  }));
  const total = assignments.reduce((n, a) => n + a.workloads.length, 0);
  const show = opts.progress ?? sources.some((s) => s.showProgress);
  const progressOptions = opts.progressOptions ?? sources.find((s) => s.progressOptions)?.progressOptions;
  const progress: Progress = show ? createProgress(opts.label ?? 'usage', total, progressOptions) : silentProgress;
  const doneBySource = assignments.map(() => 0);
  const failures: UsageSourceFailure[] = [];
  const results = await Promise.all(
    assignments.map(async ({ source, workloads: mine }, i): Promise<UsageResult> => {
      source.setProgress?.((done) => {
        doneBySource[i] = Math.max(doneBySource[i]!, Math.min(done, mine.length));
        progress.update(doneBySource.reduce((a, b) => a + b, 0));
      });
      try {
        if (mine.length === 0) return { series: new Map(), missing: [] };
        const result = await source.fetch(mine, range);
        // A source that answered but could not read some workloads (request or API errors) has
        // failed for them: reading that as "no usage" would let `pr` close their PRs.
        const unread = result.missing.filter((m) => m.failed);
        if (unread.length > 0) {
          const first = unread[0]!.reason;
          const cause = first.startsWith(`${source.name}: `) ? first.slice(source.name.length + 2) : first;
          failures.push({
            source: source.name,
            error: new StackfitError(`${source.name}: ${unread.length} of ${mine.length} workload(s) could not be read: ${cause}`),
          });
        }
        return result;
      } catch (err) {
        failures.push({ source: source.name, error: err });
        const cause = err instanceof Error ? err.message : String(err);
        return { series: new Map(), missing: mine.map((w) => ({ urn: w.urn, reason: `${source.name}: ${cause}` })) };
      } finally {
        doneBySource[i] = mine.length;
        progress.update(doneBySource.reduce((a, b) => a + b, 0));
        source.setProgress?.(undefined);
      }
    }),
  );
  progress.stop();
  const served = new Set(assignments.flatMap((a) => a.workloads));
  const unserved = workloads.filter((w) => !served.has(w));
  if (unserved.length > 0) {
    results.push({
      series: new Map(),
      missing: unserved.map((w) => ({ urn: w.urn, reason: `no usage source for ${w.cloud} workloads (add ${sourceHint(w.cloud)})` })),
    });
  }
  return { ...mergeUsageResults(results), failures };
}

function sourceHint(cloud: Cloud): string {
  return [...usageSourcesFor(cloud), 'a Prometheus or a usage file'].join(', ');
}
