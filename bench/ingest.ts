// Ingest benchmark: raw kafkajs consumption of the posts topic (the ceiling) against the same
// consumption with decode + validate + normalise, on the same pre-loaded data in one run.
import type { Config } from "../src/config";
import { createLogger } from "../src/log";
import { normalise } from "../src/normalise";
import { decodePost } from "../src/source/decode";
import { createKafka } from "../src/source/kafka";
import { deleteTopic, preloadTopic, round, timedConsume } from "./kafka-util";

export async function benchIngest(o: { config: Config; count: number; say: (l: string) => void }) {
  const kafka = createKafka(o.config, createLogger("warn", "bench"));
  const topic = await preloadTopic(kafka, o.count, 4, o.say);
  try {
    o.say("consuming raw (ceiling)...");
    let bytes = 0;
    const ceiling = await timedConsume(kafka, topic, o.count, (ms) => {
      for (const m of ms) bytes += m.value?.length ?? 0;
    });
    o.say("consuming with decode+validate+normalise...");
    let valid = 0;
    const pipeline = await timedConsume(kafka, topic, o.count, (ms) => {
      for (const m of ms) {
        const d = decodePost(m.value, o.config.pipeline.limits);
        if (d.ok && normalise(d.value.text).length >= 0) valid++;
      }
    });
    return {
      benchmark: "ingest",
      posts: o.count,
      partitions: 4,
      avgMessageBytes: Math.round(bytes / ceiling.posts),
      ceiling,
      pipeline: { ...pipeline, valid },
      ratio: round(pipeline.postsPerSec / ceiling.postsPerSec),
    };
  } finally {
    await deleteTopic(kafka, topic);
  }
}
