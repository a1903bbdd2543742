import type { PlanItem } from '../model';

/** The PR run's results (what `stackfit pr` prints and returns as JSON) and the shapes its parts share. */

export type PrAction =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'skipped-closed'
  | 'skipped-human-commits'
  | 'skipped-limit'
  | 'dry-run'
  /** Every change of the group needs a manual edit: nothing to commit. */
  | 'nothing-to-edit'
  /** An open stackfit PR whose change is no longer recommended: closed, its branch deleted. */
  | 'autoclosed';

export interface PrGroupResult {
  /** Group name (groupBy group/workload); undefined for one PR per stack. */
  group?: string;
  branch: string;
  action: PrAction;
  number?: number;
  url?: string;
  title: string;
  fingerprint: string;
  edits: number;
  manual: number;
  /** API calls made for this group (reads + writes), and writes alone. */
  apiCalls: number;
  writeCalls: number;
  /** One line on what happened and why. */
  message: string;
  /** Dry run: the unified diff of the config file and the PR body. */
  diff?: string;
  body?: string;
}

export interface PrRunResult {
  stack: string;
  baseBranch?: string;
  groups: PrGroupResult[];
  /** All API calls of the run, including the shared reads (repository, base branch, file). */
  apiCalls: number;
  writeCalls: number;
  /**
   * Changes left out because the config file (on the base branch; the local file in a dry run)
   * no longer holds the deployed value: someone already made the change, or another one, by hand.
   */
  changedInConfig: ChangedInConfig[];
}

export interface ChangedInConfig {
  urn: string;
  workload: string;
  /** The branch the change would have gone to. */
  branch: string;
  reason: string;
}

/** One group's changes (pr.groupBy). */
export interface Group {
  name?: string;
  items: PlanItem[];
}

/** The base the branches are built on: its branch, commit and the stack config text there. */
export interface Base {
  branch: string;
  sha: string;
  text: string;
}

/** One group's change, ready to propose: the edits, the new config text, and the PR's branch, title and body. */
export interface PreparedGroup {
  edits: readonly unknown[];
  manual: readonly unknown[];
  newText: string;
  fingerprint: string;
  title: string;
  branch: string;
  body: (closedNote?: string) => string;
}
