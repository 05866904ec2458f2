// The `modstream` commands. The only place that calls process.exit.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import cliProgress from "cli-progress";
import { loadConfig, type Config } from "./config";
import { createLogger, type Logger } from "./log";
import { ModstreamError } from "./errors";
import { servicesDown, servicesStatus, servicesUp } from "./services";
import { createKafka } from "./source/kafka";
import { ndjsonMessages, postMessages, publish } from "./replay/producer";
import { Synth } from "./replay/synth";
import { runWorkerUntilSignal } from "./run";
import { registerBenchCommands } from "./bench-cli";
import { registerDemoCommand } from "./demo";
import { registerDrillCommand } from "./drill/cli";
import { registerWindowsCommands } from "./windows-cli";
import { registerScoreCommands } from "./score/cli";
import { registerIncidentCommands } from "./incidents/cli";
import { registerApiCommands } from "./http/cli";
import { Keys } from "./windows/keys";
import { isRedisUnavailable } from "./redis";

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
  return n;
};

const say = (line: string) => process.stderr.write(`modstream: ${line}\n`);

function config(): Config {
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
    update: (n: number) => bar.update(n, { rate: Math.round(n / Math.max(0.001, (Date.now() - t0) / 1000)) }),
    stop: () => bar.stop(),
  };
}

const program = new Command("modstream")
  .description("Content-moderation streaming pipeline: Kafka firehose → scores → Redis windows → spikes → incidents")
  .showHelpAfterError();

const services = program.command("services").description("the real Kafka broker and Redis the pipeline runs against");
services
  .command("up")
  .description("install if missing, start, and wait for Kafka and Redis")
  .action(async () => servicesUp(config(), say));
services
  .command("down")
  .description("stop the Kafka and Redis that `services up` started")
  .action(async () => servicesDown(config(), say));
services
  .command("status")
  .description("print whether Kafka and Redis answer")
  .action(async () => {
    const cfg = config();
    const s = await servicesStatus(cfg);
    process.stdout.write(
      JSON.stringify({ kafka: { brokers: cfg.kafkaBrokers, up: s.kafka }, redis: { url: cfg.redisUrl, up: s.redis } }) +
        "\n",
    );
    if (!s.kafka || !s.redis) process.exitCode = 1;
  });

program
  .command("run")
  .description("run a worker: consume posts and reports, score, count windows (stops cleanly on SIGTERM/SIGINT)")
  .action(async () => {
    const cfg = config();
    await runWorkerUntilSignal(cfg, createLogger(cfg.logLevel, "worker"));
  });

program
  .command("replay")
  .description("publish an NDJSON file of posts (or synthetic posts) to the posts topic")
  .argument("[file]", "NDJSON file, one post per line")
  .option("--rate <n>", "messages per second (0 = as fast as possible)", int("rate"), 0)
  .option("--topic <name>", "topic to publish to (default: the posts topic)")
  .option("--synthetic <n>", "publish N synthetic posts instead of a file", int("synthetic"))
  .option("--seed <n>", "seed of the synthetic generator", int("seed"), 1)
  .action(async (file: string | undefined, o: { rate: number; topic?: string; synthetic?: number; seed: number }) => {
    const cfg = config();
    const log = createLogger(cfg.logLevel, "replay");
    if (!file && o.synthetic === undefined) throw new InvalidArgumentError("give a FILE or --synthetic N");
    const total = o.synthetic ?? 0;
    const bar = progressBar(total, "replay");
    const messages = file ? ndjsonMessages(file) : postMessages(synthetic(total, o.seed, o.rate));
    const sent = await publish(messages, {
      kafka: createKafka(cfg, log),
      topic: o.topic ?? cfg.pipeline.kafka.topics.posts,
      rate: o.rate,
      onProgress: (n) => bar.update(n),
    });
    bar.stop();
    say(`published ${sent} messages`);
  });

program
  .command("generate")
  .description("write N synthetic posts (mixed English/Chinese, long-tail authors, trending hashtags) as NDJSON")
  .requiredOption("--count <n>", "number of posts", int("count"))
  .option("--out <file>", "output file (default: stdout)")
  .option("--seed <n>", "generator seed", int("seed"), 1)
  .action(async (o: { count: number; out?: string; seed: number }) => {
    const out = o.out ? createWriteStream(o.out) : process.stdout;
    for (const p of synthetic(o.count, o.seed, 1000)) {
      if (!out.write(JSON.stringify(p) + "\n")) await once(out, "drain");
    }
    if (o.out) await new Promise<void>((r) => out.end(() => r()));
  });

export function* synthetic(count: number, seed: number, rate: number) {
  const synth = new Synth({ seed, authors: 50_000, zhShare: 0.5, startMs: Date.now(), ratePerSec: rate || 10_000 });
  for (let i = 0; i < count; i++) yield synth.post();
}

registerBenchCommands(program, { config, say });
registerDemoCommand(program, { config, say });
registerDrillCommand(program, { config, say });
registerWindowsCommands(program, { config, say });
registerScoreCommands(program);
registerIncidentCommands(program, { config, say, keys: (prefix) => new Keys(prefix) });
registerApiCommands(program, { config, say });

function fail(err: unknown, log?: Logger): never {
  if (err instanceof ModstreamError || err instanceof InvalidArgumentError) say(`error: ${err.message}`);
  else if (isRedisUnavailable(err)) say(`error: Redis is unavailable (${(err as Error).message})`);
  else if (log) log.error({ err }, "command failed");
  else say(`error: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  fail(err);
}
