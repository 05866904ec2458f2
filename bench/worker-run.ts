// Runs the real worker over a pre-loaded topic and times it, from its first step to the step
// that completes `count` posts. Shared by the windows and end-to-end benchmarks.
import { randomBytes } from "node:crypto";
import type { Config, Pipeline } from "../src/config";
import { loadConfig } from "../src/config";
import { Events } from "../src/events";
import type { Logger } from "../src/log";
import { startWorker } from "../src/worker/main";
import type { Scorer } from "../src/score/scorer";
import { round } from "./kafka-util";

export interface WorkerRun {
  posts: number;
  seconds: number;
  postsPerSec: number;
  cpuSeconds: number;
  rssMb: number;
  prefix: string;
}

export function benchConfig(base: Config, topic: string, tweak: (p: Pipeline) => Pipeline): Config {
  const id = `bench-${randomBytes(3).toString("hex")}`;
  return loadConfig(process.env, {
    pipelineFile: base.pipelineFile,
    patch: (p) =>
      tweak({
        ...p,
        kafka: {
          ...p.kafka,
          groupId: id,
          topics: { ...p.kafka.topics, posts: topic, reports: `${id}.reports`, deadLetter: `${id}.dlq` },
        },
        redis: { ...p.redis, prefix: id },
      }),
  });
}

export async function timedWorker(
  cfg: Config,
  log: Logger,
  count: number,
  deps: { normalise: (t: string) => string; scorer?: Scorer },
): Promise<WorkerRun> {
  const events = new Events();
  let seen = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let resolveDone: (t: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolveDone = r));
  events.on("batch", (b) => {
    if (t0 === 0) {
      // The first step's own work counts: start the clock when it began.
      t0 = performance.now() - b.ms;
      cpu0 = process.cpuUsage();
    }
    seen += b.messages;
    if (seen >= count) resolveDone(performance.now());
  });
  const worker = await startWorker(cfg, log, { ...deps, events, extensions: [] });
  const t1 = await done;
  const cpu = process.cpuUsage(cpu0);
  const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  await worker.close();
  const seconds = (t1 - t0) / 1000;
  return {
    posts: seen,
    seconds: round(seconds),
    postsPerSec: Math.round(seen / seconds),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    rssMb,
    prefix: cfg.pipeline.redis.prefix,
  };
}
