import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StackfitError } from '../model';
import { analyzerProto } from './proto';
import type { AnalyzerClient } from '@pulumi/pulumi/proto/analyzer_grpc_pb';

export interface LaunchOptions {
  /** Directory holding PulumiPolicy.yaml (the `--policy-pack DIR` of `pulumi preview`). */
  packDir: string;
  organization?: string;
  project: string;
  stack: string;
  /** True for a preview (the default), false for an update. */
  dryRun?: boolean;
  /** Decrypted stack config, keys `ns:key`, values as the CLI passes them (strings; JSON for structured values). */
  config?: Record<string, string>;
  /** Extra environment for the pack process. */
  env?: Record<string, string>;
  /** How long to wait for the port line (ms). Default 60 s: loading @pulumi/pulumi takes ~10 s on a loaded 2-core runner. */
  startTimeoutMs?: number;
}

export interface LaunchedPack {
  port: number;
  pid: number;
  client: AnalyzerClient;
  /** Milliseconds from spawn to the port line. */
  startupMs: number;
  /** What the pack wrote to stderr so far. */
  stderr(): string;
  /** Closes the connection and stops the pack (SIGTERM, then SIGKILL after a grace period). */
  close(): Promise<void>;
}

/** Where the CLI finds the pack runner: resolved from the pack directory, as `pulumi` does. */
export function resolveRunPolicyPack(packDir: string): string {
  const fromPack = createRequire(path.join(packDir, 'PulumiPolicy.yaml'));
  try {
    return fromPack.resolve('@pulumi/pulumi/cmd/run-policy-pack');
  } catch {
    throw new StackfitError('@pulumi/pulumi is not resolvable from the policy pack directory (install dependencies first)', packDir);
  }
}

/** The pack's entry must exist: a precompiled pack whose build is missing fails here, clearly. */
function checkPackMain(packDir: string): void {
  let main = 'index.js';
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(packDir, 'package.json'), 'utf8')) as { main?: unknown };
    if (typeof pkg.main === 'string') main = pkg.main;
  } catch {
    throw new StackfitError('the policy pack has no readable package.json (PolicyPack reads its version there)', packDir);
  }
  const entry = path.resolve(packDir, main);
  const candidates = [entry, `${entry}.js`, path.join(entry, 'index.js'), path.join(packDir, 'index.ts')];
  if (!candidates.some((c) => fs.existsSync(c) && fs.statSync(c).isFile())) {
    throw new StackfitError(
      `the policy pack is not built: ${path.relative(packDir, entry)} does not exist (run \`npm run build\`)`,
      packDir,
    );
  }
}

/**
 * Starts a Node policy pack exactly as the Pulumi CLI (≥ 3.221) does:
 * `node <run-policy-pack> <engineAddr> <absPackDir>`, cwd = pack dir, with the CLI's env, and
 * connects to the port it prints on its first stdout line.
 */
export async function launchPolicyPack(opts: LaunchOptions): Promise<LaunchedPack> {
  const packDir = path.resolve(opts.packDir);
  if (!fs.existsSync(path.join(packDir, 'PulumiPolicy.yaml'))) {
    throw new StackfitError('not a policy pack: PulumiPolicy.yaml not found', packDir);
  }
  checkPackMain(packDir);
  const runner = resolveRunPolicyPack(packDir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_CONFIG: JSON.stringify(opts.config ?? {}),
    PULUMI_NODEJS_ORGANIZATION: opts.organization ?? 'organization',
    PULUMI_NODEJS_PROJECT: opts.project,
    PULUMI_NODEJS_STACK: opts.stack,
    PULUMI_NODEJS_DRY_RUN: String(opts.dryRun ?? true),
    PULUMI_NODEJS_TYPESCRIPT: 'true',
    ...opts.env,
  };
  const started = performance.now();
  // The engine address is dropped by run-policy-pack (the pack never calls the engine).
  const child = spawn(process.execPath, [runner, '127.0.0.1:0', packDir], {
    cwd: packDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr += d;
  });
  const port = await readPort(child, opts.startTimeoutMs ?? 60_000, () => stderr, packDir);
  const startupMs = performance.now() - started;
  const { grpc, grpcPb } = analyzerProto();
  const client = new grpcPb.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    // The engine raises the limit the same way: AnalyzeStack on large stacks exceeds 4 MB.
    'grpc.max_send_message_length': 400 * 1024 * 1024,
    'grpc.max_receive_message_length': 400 * 1024 * 1024,
  });
  return {
    port,
    pid: child.pid!,
    client,
    startupMs,
    stderr: () => stderr,
    close: async () => {
      client.close();
      await stopProcess(child);
    },
  };
}

function readPort(child: ChildProcess, timeoutMs: number, stderr: () => string, packDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      cleanup();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      const detail = stderr().trim();
      reject(new StackfitError(`the policy pack did not start: ${why}${detail ? `\n${detail}` : ''}`, packDir));
    };
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const line = out.slice(0, nl).trim();
      if (!/^\d+$/.test(line)) return fail(`expected a port on the first stdout line, got ${JSON.stringify(line)}`);
      cleanup();
      // Keep draining stdout so a chatty pack never blocks on a full pipe.
      child.stdout!.resume();
      resolve(Number(line));
    };
    const onExit = (code: number | null, signal: string | null) =>
      // Give stderr a moment to flush before reporting it.
      setImmediate(() => fail(`it exited (${signal ?? `code ${code}`}) before printing its port`));
    const onError = (err: Error) => fail(err.message);
    const timer = setTimeout(() => fail(`no port after ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
