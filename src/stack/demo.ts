import { createRequire } from 'node:module';
import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { inspect } from 'node:util';
import type * as PulumiSdk from '@pulumi/pulumi';
import { findConfigFile, loadConfig } from '../config';
import type { GroupingRule } from '../config/schema';
import { StackfitError, type Inventory } from '../model';
import { inventoryFromResources } from './inventory';
import { programCacheKey, readProgramCache, writeProgramCache } from './program-cache';
import { loadPulumiProject, readStackConfig, stackConfigPath, toPulumiConfig, type PulumiProject } from './project';

/**
 * Runs a Pulumi program in this process under `pulumi.runtime.setMocks` — no CLI, no cloud — and
 * records every resource it registers: a preview without the CLI. Mocks are process-global
 * state, so runs are queued one at a time; each run resets the mocks and config and reloads the
 * program's own modules (dependencies stay cached, which keeps a run well under a second).
 */

export interface RegisteredResource {
  urn: string;
  type: string;
  name: string;
  /**
   * The inputs as the engine receives them (protobuf Struct as JS): secrets are
   * `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value}`, values
   * unknown during preview are `"04da6b54-80e4-46f7-96ec-b56ff0331ba9"`.
   */
  inputs: Record<string, unknown>;
  parent?: string;
  /** Provider reference `<provider urn>::<id>`, when the resource names one. */
  provider?: string;
  custom: boolean;
}

export interface ProgramRunOptions {
  projectDir: string;
  stack: string;
  /** Use this config (`ns:key` → value, as in a stack file) instead of reading `Pulumi.<stack>.yaml`. */
  config?: Record<string, unknown>;
  /**
   * Reuse an earlier run stored here (program-cache.ts): valid while the program files, the
   * config and the lockfile are unchanged. The demo passes `<project>/.stackfit-cache/program`.
   */
  cacheDir?: string;
  /** Components collapsed to one workload; default: the project's own stackfit.yaml `grouping:`. */
  grouping?: readonly GroupingRule[];
}

/** The subset of @pulumi/pulumi's MockMonitor that the recorder wraps. */
interface MockMonitorLike {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: RegisterResourceRequestLike, callback: (...args: unknown[]) => void): unknown;
}
interface RegisterResourceRequestLike {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `task` after every earlier run has finished (mocks are global). */
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

/** The resources the project's program registers for a stack, in registration order. */
export function registeredResourcesFromProgram(opts: ProgramRunOptions): Promise<RegisteredResource[]> {
  const project = loadPulumiProject(opts.projectDir);
  const config = opts.config ?? readStackConfig(stackConfigPath(project, opts.stack), project.name);
  return cachedRun(project, opts.stack, config, opts.cacheDir);
}

/**
 * The inventory the program would deploy for a stack, read with the same code as state files:
 * the example project's workloads come out with their config references.
 */
export async function inventoryFromProgram(opts: ProgramRunOptions): Promise<Inventory> {
  const project = loadPulumiProject(opts.projectDir);
  const configFile = stackConfigPath(project, opts.stack);
  const config = opts.config ?? readStackConfig(configFile, project.name);
  const resources = await cachedRun(project, opts.stack, config, opts.cacheDir);
  const configPath = opts.grouping ? undefined : findConfigFile(project.dir);
  return inventoryFromResources(resources, `${project.main} (mocked run, stack ${opts.stack})`, {
    stack: opts.stack,
    stackConfig: config,
    grouping: opts.grouping ?? (configPath ? loadConfig(configPath).grouping : []),
  });
}

/** A run from the cache when it holds one for exactly this program, config and lockfile; else a real run, then stored. */
async function cachedRun(
  project: PulumiProject,
  stack: string,
  config: Record<string, unknown>,
  cacheDir: string | undefined,
): Promise<RegisteredResource[]> {
  if (cacheDir === undefined) return (await serialized(() => runProgram(project, stack, config))).registered;
  const entry = programEntry(project.main);
  const key = programCacheKey({ projectDir: project.dir, projectName: project.name, entry, stack, config });
  if (key === undefined) return (await serialized(() => runProgram(project, stack, config))).registered;
  const cached = readProgramCache(cacheDir, key, project.dir);
  if (cached) return cached;
  const { registered, programFiles } = await serialized(() => runProgram(project, stack, config));
  // Only a run that is known to have loaded its entry has a complete file list to validate against.
  if (programFiles.includes(resolve(entry))) writeProgramCache(cacheDir, key, project.dir, programFiles, registered);
  return registered;
}

async function runProgram(
  project: PulumiProject,
  stack: string,
  config: Record<string, unknown>,
): Promise<{ registered: RegisteredResource[]; programFiles: string[] }> {
  const entry = programEntry(project.main);
  const registered: RegisteredResource[] = [];
  // The SDK copy the program itself will load (mocks live in that copy's state); loaded lazily so
  // that reading state files never pays for it.
  const pulumi = sdkFor(project.dir);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        // Ids are only needed so that dependents' inputs are known; they are never read as cloud ids.
        id: args.custom ? `${args.name}-mock-id` : undefined,
        state: args.inputs as Record<string, unknown>,
      }),
      call: (args) => ({ ...(args.inputs as Record<string, unknown>), id: `${args.token}-mock-result` }),
    },
    project.name,
    stack,
    /* preview */ true,
  );
  const { values, secureKeys } = toPulumiConfig(config);
  pulumi.runtime.setAllConfig(values, []);
  recordRegistrations(pulumi, registered);

  const load = loaderFor(entry);
  forgetProgramModules(project.dir);
  const failures: unknown[] = [];
  let programFiles: string[] = [];
  const onRejection = (reason: unknown): void => {
    failures.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  try {
    const exported = load(entry);
    const main = typeof exported === 'function' ? exported : (exported as { default?: unknown })?.default;
    if (typeof main === 'function') await (main as () => unknown)();
    // Waits for every registration (and the RPCs they started) to finish.
    await pulumi.runtime.disconnect();
    // Let rejected registrations reach the handler before it is removed.
    await new Promise((resolve) => setImmediate(resolve));
  } catch (err) {
    failures.push(err);
  } finally {
    process.off('unhandledRejection', onRejection);
    programFiles = programModules(project.dir);
    forgetProgramModules(project.dir);
  }
  const failure = failures[0];
  if (failure !== undefined) {
    const message = failure instanceof Error ? failure.message : typeof failure === 'string' ? failure : inspect(failure);
    const hint = secureKeys.length ? ` (encrypted config not available to a mocked run: ${secureKeys.join(', ')})` : '';
    throw new StackfitError(`program failed for stack ${stack}: ${message}${hint}`, entry);
  }
  return { registered, programFiles };
}

/** Wraps the mock monitor so that each registration's parent, provider and inputs are kept. */
function recordRegistrations(pulumi: typeof PulumiSdk, into: RegisteredResource[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike | undefined;
  if (!monitor || typeof monitor.newUrn !== 'function') {
    throw new StackfitError('this @pulumi/pulumi has no mock monitor to record registrations with');
  }
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const parent = req.getParent() || undefined;
    const provider = req.getProvider() || undefined;
    into.push({
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      inputs: req.getObject()?.toJavaScript() ?? {},
      ...(parent ? { parent } : {}),
      ...(provider ? { provider } : {}),
      custom: req.getCustom(),
    });
    return original(req, callback);
  };
}

function programEntry(main: string): string {
  if (existsSync(main) && statSync(main).isDirectory()) {
    const candidate = ['index.ts', 'index.js'].map((file) => join(main, file)).find((file) => existsSync(file));
    if (!candidate) throw new StackfitError('program directory has no index.ts or index.js', main);
    return candidate;
  }
  if (!existsSync(main)) throw new StackfitError('program entry (Pulumi.yaml `main`) not found', main);
  return main;
}

const requireHere = createRequire(__filename);

function sdkFor(projectDir: string): typeof PulumiSdk {
  try {
    return createRequire(join(projectDir, 'package.json'))('@pulumi/pulumi') as typeof PulumiSdk;
  } catch {
    throw new StackfitError('cannot load @pulumi/pulumi from the project: run npm install there', projectDir);
  }
}

/** A require for the entry: TypeScript programs go through tsx, as `pulumi` does with ts-node. */
function loaderFor(entry: string): (id: string) => unknown {
  if (!entry.endsWith('.ts')) return (id) => requireHere(id) as unknown;
  let tsx: typeof import('tsx/cjs/api');
  try {
    tsx = requireHere('tsx/cjs/api') as typeof import('tsx/cjs/api');
  } catch {
    throw new StackfitError('running a TypeScript program needs the `tsx` package (npm install --save-dev tsx)', entry);
  }
  return (id) => {
    const unregister = tsx.register();
    try {
      return requireHere(id) as unknown;
    } finally {
      unregister();
    }
  };
}

/** stackfit's own modules (src/ or dist/src/): never reloaded, so their classes stay one copy. */
const STACKFIT_SOURCE = resolve(__dirname, '..') + sep;

/** The project's own modules in the require cache (not its dependencies, not stackfit). */
function programModules(projectDir: string): string[] {
  const prefix = projectDir.endsWith(sep) ? projectDir : projectDir + sep;
  const nodeModules = `${sep}node_modules${sep}`;
  return Object.keys(requireHere.cache).filter(
    (file) => file.startsWith(prefix) && !file.includes(nodeModules) && !file.startsWith(STACKFIT_SOURCE),
  );
}

/** Drops the project's own modules from the require cache, so that the next run loads them afresh. */
function forgetProgramModules(projectDir: string): void {
  for (const file of programModules(projectDir)) delete requireHere.cache[file];
}
