/**
 * Every usage source, one line each (see contract.ts and docs/DEVELOPING.md "Adding a usage
 * source"). Order matters twice: a spec goes to the first source that claims it (the file
 * source, which takes any path, stays last), and the options appear under `usage:` by `key`.
 */
import type { z } from 'zod';
import type { Cloud } from '../model';
import { azureMonitorSource } from './azure-monitor';
import { cloudWatchSource } from './cloudwatch';
import { fileSource } from './file';
import { gcpMonitoringSource } from './gcp-monitoring';
import { prometheusSource } from './prometheus';

export const usageSources = [
  prometheusSource,
  cloudWatchSource,
  azureMonitorSource,
  gcpMonitoringSource,
  fileSource, // last: any spec that is not `scheme:` is a file path
] as const;

type Registered = (typeof usageSources)[number];

/** `usage.<key>` settings of every source, for stackfit.yaml's schema (config/schema.ts); each may be left out. */
export type UsageOptionsShape = { [P in Registered as P['key']]: z.ZodOptional<P['options']> };

export const usageOptionsShape: UsageOptionsShape = optionsShape();

function optionsShape(): UsageOptionsShape {
  // Object.fromEntries cannot carry a key → schema type per entry; the mapped type above says what it builds.
  return Object.fromEntries(usageSources.map((s) => [s.key, s.options.optional()])) as UsageOptionsShape;
}

/** The names of the sources that serve `cloud`'s workloads, for "add …" hints. */
export function usageSourcesFor(cloud: Cloud): string[] {
  return usageSources.filter((s) => s.cloud === cloud).map((s) => s.name);
}

/** The spec forms every source accepts, for "unknown usage source" messages. */
export function usageSpecForms(): string {
  const forms = usageSources.flatMap((s) => s.forms);
  return `${forms.slice(0, -1).join(', ')} or ${forms.at(-1)}`;
}
