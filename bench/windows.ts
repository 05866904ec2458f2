// Windows benchmark: the same worker over the same pre-loaded posts, with per-key windows off
// (stream totals only) and on (keys, candidates, detector), in one run; plus the Redis memory
// each tracked key costs.
import { Redis } from "ioredis";
import type { Config } from "../src/config";
import { createLogger } from "../src/log";
import { normalise } from "../src/normalise";
import type { Scorer } from "../src/score/scorer";
import { createKafka } from "../src/source/kafka";
import { deleteTopic, dropPrefix, preloadTopic, round } from "./kafka-util";
import { benchConfig, timedWorker, type WorkerRun } from "./worker-run";

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

export async function benchWindows(o: {
  config: Config;
  count: number;
  rounds: number;
  scorer?: Scorer;
  say: (l: string) => void;
}) {
  const log = createLogger("warn", "bench");
  const kafka = createKafka(o.config, log);
  const redis = new Redis(o.config.redisUrl);
  const topic = await preloadTopic(kafka, o.count, 4, o.say);
  try {
    const deps = { normalise, scorer: o.scorer };
    const offRuns: WorkerRun[] = [];
    const onRuns: WorkerRun[] = [];
    let bytes = 0;
    let keys = 0;
    // Off and on alternate, so a burst of load from elsewhere on the machine hits both alike.
    for (let round = 1; round <= o.rounds; round++) {
      o.say(`round ${round}/${o.rounds}: worker with windows off...`);
      const offCfg = benchConfig(o.config, topic, (p) => ({
        ...p,
        windows: { ...p.windows, keyWindows: false },
        detect: { ...p.detect, enabled: false },
      }));
      const off = await timedWorker(offCfg, log, o.count, deps);
      offRuns.push(off);
      await dropPrefix(redis, off.prefix);
      o.say(`round ${round}/${o.rounds}: worker with windows on...`);
      const before = await usedMemory(redis);
      const on = await timedWorker(
        benchConfig(o.config, topic, (p) => p),
        log,
        o.count,
        deps,
      );
      onRuns.push(on);
      bytes = (await usedMemory(redis)) - before;
      keys = await dropPrefix(redis, on.prefix);
    }
    const median = (runs: WorkerRun[]) =>
      [...runs].sort((a, b) => a.postsPerSec - b.postsPerSec)[runs.length >> 1] as WorkerRun;
    const off = median(offRuns);
    const on = median(onRuns);
    return {
      benchmark: "windows",
      posts: o.count,
      rounds: o.rounds,
      scorer: o.scorer ? "on" : "off",
      windowsOff: off,
      windowsOn: on,
      allOff: offRuns.map((r) => r.postsPerSec),
      allOn: onRuns.map((r) => r.postsPerSec),
      ratio: round(on.postsPerSec / off.postsPerSec),
      redis: { keys, bytes, bytesPerKey: Math.round(bytes / Math.max(1, keys)) },
    };
  } finally {
    redis.disconnect();
    await deleteTopic(kafka, topic);
  }
}
