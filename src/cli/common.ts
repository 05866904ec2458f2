// What both command-line entry points share (`modstream` and `modstream-bench`): the config, a
// stderr line writer, whole-number options, progress bars, and the one place that exits on error.
import cliProgress from "cli-progress";
import { InvalidArgumentError, type Command } from "commander";
import { loadConfig, type Config } from "../config";
import type { Logger } from "../log";
import { ModstreamError } from "../errors";
import { isRedisUnavailable } from "../redis/client";
import { durationOf } from "../incidents/silences";

/** What a group of commands is handed by the entry point that registers it. */
export interface CliDeps {
  config: () => Config;
  say: (line: string) => void;
}

export const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
  return n;
};

/** A duration option such as 90s, 30m, 2h, 7d or 1h30m, in ms. */
export const durationMs = (name: string) => (v: string) => {
  const ms = durationOf(v);
  if (!ms) throw new InvalidArgumentError(`${name} must be a duration such as 90s, 30m, 2h or 7d, got "${v}"`);
  return ms;
};

export const say = (line: string) => process.stderr.write(`modstream: ${line}\n`);

export function config(): Config {
  return loadConfig();
}

export function progressBar(total: number, label: string) {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total} {rate}/s eta {eta}s`,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  bar.start(total, 0, { rate: 0 });
  return {
    setTotal: (n: number) => bar.setTotal(n),
    update: (n: number) => bar.update(n, { rate: Math.round(n / Math.max(0.001, (Date.now() - t0) / 1000)) }),
    stop: () => bar.stop(),
  };
}

function fail(err: unknown, log?: Logger): never {
  if (err instanceof ModstreamError || err instanceof InvalidArgumentError) say(`error: ${err.message}`);
  else if (isRedisUnavailable(err)) say(`error: Redis is unavailable (${(err as Error).message})`);
  else if (log) log.error({ err }, "command failed");
  else say(`error: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
}

/** Parses argv and runs the chosen command; any error is printed and the process exits 1. */
export async function runProgram(program: Command): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    fail(err);
  }
}
