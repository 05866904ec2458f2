// `modstream-bench NAME` (`npm run bench -- NAME`): the benchmarks, an entry point of their own, so
// the product's command line never loads them or their dependencies (autocannon is a dev dependency).
import { Command } from "commander";
import { config, runProgram, say, type CliDeps } from "../src/cli/common";

export function registerBenchCommands(program: Command, deps: CliDeps): void {
  const bench = program;
  bench
    .command("ingest")
    .description("raw kafkajs consumption (the ceiling) vs decode+validate+normalise, on the same topic in one run")
    .option("--count <n>", "posts to pre-load", (v) => Number(v), 300_000)
    .option("--json", "print one JSON object")
    .action(async (o: { count: number; json?: boolean }) => {
      const { benchIngest } = await import("./ingest");
      const result = await benchIngest({ config: deps.config(), count: o.count, say: deps.say });
      process.stdout.write(o.json ? JSON.stringify(result) + "\n" : formatIngest(result));
    });
  bench
    .command("score")
    .description(
      "scoring on one core: the fast path vs tf.predict on the same mixed en/zh posts (target 50,000 posts/s)",
    )
    .option("--seconds <n>", "minimum seconds per measurement", (v) => Number(v), 3)
    .option("--json", "print one JSON object")
    .action(async (o: { seconds: number; json?: boolean }) => {
      const { benchScore, formatScore } = await import("./score");
      const r = await benchScore({ seconds: o.seconds });
      process.stdout.write(o.json ? JSON.stringify(r) + "\n" : formatScore(r));
    });
  registerWindowsBench(bench, deps);
  registerSoakBench(bench, deps);
  registerApiBench(bench, deps);
  registerE2eBench(bench, deps);
  bench
    .command("poison")
    .description("good-post throughput with 10% malformed messages of every kind vs clean, alternating runs")
    .option("--count <n>", "good posts", (v) => Number(v), 50_000)
    .option("--rounds <n>", "alternating clean/poison rounds; medians are compared", (v) => Number(v), 3)
    .option("--json", "print one JSON object")
    .action(async (o: { count: number; rounds: number; json?: boolean }) => {
      const { benchPoison } = await import("./poison");
      const { loadDefaultScorer } = await import("../src/worker/scoring");
      const { createLogger } = await import("../src/log");
      const scorer = await loadDefaultScorer(createLogger("warn"));
      const r = await benchPoison({ config: deps.config(), count: o.count, rounds: o.rounds, scorer, say: deps.say });
      process.stdout.write(
        o.json
          ? JSON.stringify(r) + "\n"
          : `clean: ${r.cleanGoodPerSec.join(", ")} good posts/s\npoison: ${r.poisonGoodPerSec.join(", ")} good posts/s\n` +
              `ratio of medians: ${r.ratio} (target ≥ ${r.target}: ${r.met ? "met" : "missed"})\n`,
      );
    });
}

export function registerE2eBench(bench: Command, deps: CliDeps): void {
  bench
    .command("e2e")
    .description(
      "raw consumption (the ceiling) vs the full pipeline with 1 and 2 workers, one pre-loaded topic; live latency",
    )
    .option("--count <n>", "posts to pre-load", (v) => Number(v), 1_000_000)
    .option("--partitions <n>", "partitions of the pre-loaded topic", (v) => Number(v), 4)
    .option(
      "--live-rate <n>",
      "posts/s for the live latency phase (0 = half of one worker's throughput)",
      (v) => Number(v),
      0,
    )
    .option("--live-seconds <n>", "length of the live latency phase", (v) => Number(v), 30)
    .option(
      "--redis-cluster",
      "run against the Redis Cluster: REDIS_CLUSTER_NODES, or the one `services up --redis-cluster` starts",
    )
    .option("--json", "print one JSON object")
    .action(async (o: E2eCliOptions) => {
      const { benchE2e } = await import("./e2e");
      const { redisCluster, ...rest } = o;
      // The workers are child processes that read the same variable (src/config.ts).
      if (redisCluster)
        process.env.REDIS_CLUSTER_NODES ??= (await import("../src/services/redis-cluster")).CLUSTER_NODES;
      const r = await benchE2e({ config: deps.config(), ...rest, say: deps.say });
      const line = (name: string, w: typeof r.oneWorker) =>
        `${name}: ${w.postsPerSec} posts/s (${w.ratioToCeiling} of the ceiling), step p50 ${w.stepMs.p50} ms / p99 ${w.stepMs.p99} ms, ` +
        `worker CPU ${w.workerCpuSeconds} s, machine ${Math.round(w.machineBusy * 100)}% busy, Redis ${w.redisCpuMicrosPerPost} µs CPU and ${w.redisBytesPerPost} B per post, RSS ${w.rssMb.map((s) => s.join("→")).join(" | ")} MB, counted ${w.counted}/${w.posts}\n`;
      process.stdout.write(
        o.json
          ? JSON.stringify(r) + "\n"
          : `${r.redisCluster ? "Redis Cluster" : "single Redis"}; ceiling (raw kafkajs): ${r.ceiling.postsPerSec} posts/s\n` +
              line("1 worker", r.oneWorker) +
              line("2 workers", r.twoWorkers) +
              `live at ${r.live.rate} posts/s: event time → durable p50 ${r.live.latencyMs.p50} ms, p99 ${r.live.latencyMs.p99} ms\n` +
              `targets: ≥ ${r.targets.ratioToCeiling} of the ceiling with one worker: ${r.targets.ratioMet ? "met" : "missed"}; ` +
              `≥ ${r.targets.postsPerSec} posts/s: ${r.targets.postsPerSecMet ? "met" : "missed"}\n` +
              `scoring alone (same posts, one thread): ${r.scoringOnly.postsPerSec} posts/s; ` +
              `pipelineToScoring ${r.pipelineToScoring} (target ≥ 0.6: ${r.pipelineToScoring >= 0.6 ? "met" : "missed"})\n`,
      );
    });
}

interface E2eCliOptions {
  count: number;
  partitions: number;
  liveRate: number;
  liveSeconds: number;
  redisCluster?: boolean;
  json?: boolean;
}

export function registerApiBench(bench: Command, deps: CliDeps): void {
  bench
    .command("api")
    .description("the review API under load on loopback: moderators claiming and deciding (target p99 < 50 ms)")
    .option("--moderators <n>", "concurrent moderators, one connection each", (v) => Number(v), 200)
    .option("--seconds <n>", "how long to load the API", (v) => Number(v), 20)
    .option("--rate <n>", "open loop: this many requests/s in total instead of each moderator as fast as it can", (v) =>
      Number(v),
    )
    .option("--profile <dir>", "write a V8 CPU profile of the server into this directory")
    .option("--json", "print one JSON object")
    .action(async (o: { moderators: number; seconds: number; rate?: number; profile?: string; json?: boolean }) => {
      const { benchApi } = await import("./api");
      const r = await benchApi({
        config: deps.config(),
        moderators: o.moderators,
        seconds: o.seconds,
        rate: o.rate,
        profileDir: o.profile,
        say: deps.say,
      });
      process.stdout.write(
        o.json
          ? JSON.stringify(r) + "\n"
          : `${r.decisionsPerSec} decisions/s, ${r.requestsPerSec} requests/s\nlatency ms: p50 ${r.latencyMs.p50}, p99 ${r.latencyMs.p99}, max ${r.latencyMs.max}\n` +
              (r.floor
                ? `floor (bare fastify, same load): ${r.floor.requestsPerSec} requests/s, p50 ${r.floor.latencyMs.p50}, p99 ${r.floor.latencyMs.p99} ms\n`
                : "") +
              `target p99 < ${r.targetP99Ms} ms: ${r.meetsTarget ? "met" : "missed"}\n`,
      );
    });
}

export function registerWindowsBench(bench: Command, deps: CliDeps): void {
  bench
    .command("windows")
    .description("the worker with per-key windows off vs on, same pre-loaded posts, one run; Redis bytes per key")
    .option("--count <n>", "posts to pre-load", (v) => Number(v), 200_000)
    .option("--rounds <n>", "alternating off/on rounds; medians are reported", (v) => Number(v), 3)
    .option("--no-scorer", "leave scoring out of both runs")
    .option("--json", "print one JSON object")
    .action(async (o: { count: number; rounds: number; json?: boolean; scorer: boolean }) => {
      const { benchWindows } = await import("./windows");
      const { loadDefaultScorer } = await import("../src/worker/scoring");
      const { createLogger } = await import("../src/log");
      const scorer = o.scorer ? await loadDefaultScorer(createLogger("warn")) : undefined;
      const r = await benchWindows({ config: deps.config(), count: o.count, rounds: o.rounds, scorer, say: deps.say });
      process.stdout.write(
        o.json
          ? JSON.stringify(r) + "\n"
          : `windows off: ${r.windowsOff.postsPerSec} posts/s\nwindows on: ${r.windowsOn.postsPerSec} posts/s\nratio: ${r.ratio}\nredis: ${r.redis.keys} keys, ${r.redis.bytesPerKey} bytes/key\n`,
      );
    });
}

export function registerSoakBench(bench: Command, deps: CliDeps): void {
  bench
    .command("soak")
    .description("steady stream of new hashtags and authors; samples Redis and worker memory over time")
    .option("--seconds <n>", "how long to run", (v) => Number(v), 300)
    .option("--rate <n>", "posts per second", (v) => Number(v), 2000)
    .option("--retention <n>", "window retention in seconds for this run", (v) => Number(v), 60)
    .option("--no-scorer", "leave scoring out")
    .option("--json", "print one JSON object")
    .action(async (o: { seconds: number; rate: number; retention: number; scorer: boolean; json?: boolean }) => {
      const { benchSoak } = await import("./soak");
      const { loadDefaultScorer } = await import("../src/worker/scoring");
      const { createLogger } = await import("../src/log");
      const r = await benchSoak({
        scorer: o.scorer ? await loadDefaultScorer(createLogger("warn")) : undefined,
        config: deps.config(),
        seconds: o.seconds,
        rate: o.rate,
        retentionSeconds: o.retention,
        sampleSeconds: 10,
        say: deps.say,
      });
      process.stdout.write(o.json ? JSON.stringify(r) + "\n" : JSON.stringify(r.steady, null, 2) + "\n");
    });
}

function formatIngest(r: { ceiling: { postsPerSec: number }; pipeline: { postsPerSec: number }; ratio: number }) {
  return `raw consume: ${r.ceiling.postsPerSec} posts/s\ndecode+validate+normalise: ${r.pipeline.postsPerSec} posts/s\nratio: ${r.ratio}\n`;
}

const program = new Command("modstream-bench")
  .description("benchmarks (figures printed; --json for machine-readable output)")
  .showHelpAfterError();
registerBenchCommands(program, { config, say });
await runProgram(program);
