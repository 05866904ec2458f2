// `modstream demo`: services up, a worker, and a replayed synthetic firehose, until Ctrl-C.
import type { Command } from "commander";
import type { CliDeps } from "./bench-cli";
import { createLogger } from "./log";
import { startWorker } from "./main";
import { normalise } from "./normalise";
import { publish, postMessages } from "./replay/producer";
import { Synth } from "./replay/synth";
import { servicesUp } from "./services";
import { createKafka } from "./source/kafka";
import { loadDefaultScorer } from "./scoring";

export function registerDemoCommand(program: Command, deps: CliDeps): void {
  program
    .command("demo")
    .description("bring up Kafka and Redis, start a worker, replay a sample firehose; Ctrl-C stops everything")
    .option("--rate <n>", "posts per second to replay", (v) => Number(v), 2000)
    .option("--count <n>", "posts to replay (0 = until Ctrl-C)", (v) => Number(v), 0)
    .action(async (o: { rate: number; count: number }) => {
      const cfg = deps.config();
      const log = createLogger(cfg.logLevel, "demo");
      await servicesUp(cfg, deps.say);
      const worker = await startWorker(cfg, log, { normalise, scorer: await loadDefaultScorer(log) });
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      let consumed = 0;
      worker.events.on("batch", (b) => (consumed += b.messages));
      const ticker = setInterval(() => deps.say(`consumed ${consumed} messages`), 5000);
      const synth = new Synth({
        seed: Date.now() % 1e9,
        authors: 20_000,
        zhShare: 0.5,
        startMs: Date.now(),
        ratePerSec: o.rate,
      });
      function* posts() {
        for (let i = 0; (o.count === 0 || i < o.count) && !stop.signal.aborted; i++) yield synth.post();
      }
      const sent = await publish(postMessages(posts()), {
        kafka: createKafka(cfg, log),
        topic: cfg.pipeline.kafka.topics.posts,
        rate: o.rate,
      });
      deps.say(`replayed ${sent} posts; Ctrl-C to stop`);
      if (!stop.signal.aborted) await new Promise((r) => stop.signal.addEventListener("abort", r));
      clearInterval(ticker);
      await worker.close();
      deps.say("demo stopped (services keep running: `npx modstream services down` stops them)");
    });
}
