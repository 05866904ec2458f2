// The `modstream` commands. The only place that calls process.exit.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { config, int, progressBar, runProgram, say } from "./common";
import { createLogger } from "../log";
import { servicesDown, servicesStatus, servicesUp } from "../services";
import { createKafka } from "../source/kafka";
import { ndjsonMessages, postMessages, publish } from "../replay/producer";
import { Synth } from "../replay/synth";
import { loadBenignCorpus, type Corpus } from "../replay/corpus";
import { defaultDataDir } from "./score";
import { runWorkerUntilSignal } from "../worker/run";
import { registerDemoCommand } from "./demo";
import { registerDrillCommand } from "./drill";
import { registerBacktestCommand } from "./backtest";
import { registerWindowsCommands } from "./windows";
import { registerScoreCommands } from "./score";
import { registerIncidentCommands } from "./incident";
import { registerApiCommands } from "./serve";
import { registerSilenceCommands } from "./silence";
import { Keys } from "../keys";

const program = new Command("modstream")
  .description("Content-moderation streaming pipeline: Kafka firehose → scores → Redis windows → spikes → incidents")
  .showHelpAfterError();

const services = program.command("services").description("the real Kafka broker and Redis the pipeline runs against");
services
  .command("up")
  .description("install if missing, start, and wait for Kafka and Redis")
  .option("--redis-cluster", "also start a Redis Cluster on 127.0.0.1:17001-17006 (3 primaries, 3 replicas, AOF on)")
  .action(async (o: { redisCluster?: boolean }) => servicesUp(config(), say, { redisCluster: o.redisCluster }));
services
  .command("down")
  .description("stop the Kafka, Redis and Redis Cluster that `services up` started")
  .action(async () => servicesDown(config(), say));
services
  .command("status")
  .description("print whether Kafka and Redis answer")
  .action(async () => {
    const cfg = config();
    const s = await servicesStatus(cfg);
    const out = {
      kafka: { brokers: cfg.kafkaBrokers, up: s.kafka },
      redis: { url: cfg.redisUrl, up: s.redis },
      ...(s.redisCluster ? { redisCluster: s.redisCluster } : {}),
    };
    process.stdout.write(JSON.stringify(out) + "\n");
    if (!s.kafka || !s.redis || (s.redisCluster && !s.redisCluster.up)) process.exitCode = 1;
  });

program
  .command("run")
  .description("run a worker: consume posts and reports, score, count windows (stops cleanly on SIGTERM/SIGINT)")
  .action(async () => {
    const cfg = config();
    const log = createLogger(cfg.logLevel, "worker");
    await runWorkerUntilSignal(cfg, log);
    // The worker has closed all it owns. A kafkajs consumer that crashed just before the signal
    // (a broker restart) can leave its restart timer or a socket behind, which would keep the
    // process alive after a clean stop; the logger writes synchronously, so exiting loses nothing.
    log.info({ open: process.getActiveResourcesInfo() }, "exiting");
    process.exit(0);
  });

program
  .command("replay")
  .description("publish an NDJSON file of posts (or synthetic posts) to the posts topic")
  .argument("[file]", "NDJSON file, one post per line")
  .option("--rate <n>", "messages per second (0 = as fast as possible)", int("rate"), 0)
  .option("--topic <name>", "topic to publish to (default: the posts topic)")
  .option("--synthetic <n>", "publish N synthetic posts instead of a file", int("synthetic"))
  .option("--seed <n>", "seed of the synthetic generator", int("seed"), 1)
  .option(
    "--templates",
    "synthetic posts from the composed templates instead of real harmless texts (they repeat: near-duplicate clusters, and incidents on flagged ones, are expected)",
  )
  .action(
    async (
      file: string | undefined,
      o: { rate: number; topic?: string; synthetic?: number; seed: number; templates?: boolean },
    ) => {
      const cfg = config();
      const log = createLogger(cfg.logLevel, "replay");
      if (!file && o.synthetic === undefined) throw new InvalidArgumentError("give a FILE or --synthetic N");
      const total = o.synthetic ?? 0;
      // Real harmless texts, one per near-duplicate family, form no clusters by construction; the
      // composed templates repeat, and a replay of them says so.
      const corpus = file || o.templates ? undefined : loadBenignCorpus(defaultDataDir());
      if (!file)
        say(
          corpus
            ? "synthetic posts: real harmless texts from the data sets, one per near-duplicate family"
            : "synthetic posts from templates: they repeat, so near-duplicate clusters (and incidents on flagged ones) are expected",
        );
      const bar = progressBar(total, "replay");
      const messages = file ? ndjsonMessages(file) : postMessages(synthetic(total, o.seed, o.rate, corpus));
      const sent = await publish(messages, {
        kafka: createKafka(cfg, log),
        topic: o.topic ?? cfg.pipeline.kafka.topics.posts,
        rate: o.rate,
        onProgress: (n) => bar.update(n),
      });
      bar.stop();
      say(`published ${sent} messages`);
    },
  );

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

export function* synthetic(count: number, seed: number, rate: number, corpus?: Corpus) {
  const synth = new Synth({
    seed,
    authors: 50_000,
    zhShare: 0.5,
    startMs: Date.now(),
    ratePerSec: rate || 10_000,
    corpus,
  });
  for (let i = 0; i < count; i++) yield synth.post();
}

registerDemoCommand(program, { config, say });
registerDrillCommand(program, { config, say });
registerBacktestCommand(program, { config, say });
registerWindowsCommands(program, { config, say });
registerScoreCommands(program);
registerIncidentCommands(program, { config, say, keys: (prefix) => new Keys(prefix) });
registerApiCommands(program, { config, say });
registerSilenceCommands(program, { config, say });

await runProgram(program);
