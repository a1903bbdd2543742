/**
 * Progress of a usage fetch: a live bar (cli-progress) on an interactive terminal, and plain
 * lines at every 10 % otherwise (CI logs, pipes), so that logs stay short and readable.
 */
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  /** Sets the number of items done (monotonic: smaller values are ignored). */
  update(done: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Where to draw. Default process.stderr (stdout stays for results). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force plain lines (default: when the stream is not a TTY or CI is set). */
  plain?: boolean;
  env?: NodeJS.ProcessEnv;
}

const isCi = (env: NodeJS.ProcessEnv): boolean => !!env.CI && env.CI !== 'false' && env.CI !== '0';

export function createProgress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const plain = opts.plain ?? (!stream.isTTY || isCi(opts.env ?? process.env));
  let done = 0;
  let stopped = false;
  if (!plain) {
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} workloads | {duration_formatted}`,
        stream: stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return {
      update(n: number) {
        if (stopped || n <= done) return;
        done = Math.min(n, total);
        bar.update(done);
      },
      stop() {
        if (stopped) return;
        stopped = true;
        bar.stop();
      },
    };
  }
  let lastDecile = -1;
  const started = Date.now();
  const line = (): void => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    stream.write(`${label}: ${pct}% (${done}/${total} workloads, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  };
  return {
    update(n: number) {
      if (stopped || n <= done) return;
      done = Math.min(n, total);
      const decile = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        line();
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (lastDecile < 10) line();
    },
  };
}

/** A progress that draws nothing (progress off). */
export const silentProgress: Progress = { update() {}, stop() {} };
