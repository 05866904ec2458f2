// `modstream demo`: services up, a worker (scores, windows, spikes, incidents, review queue,
// /metrics), the review API and web UI with a lead's sign-in token, and a replayed firehose —
// real harmless posts from the data sets as background, with a drill scenario injected every
// `--every` seconds — until Ctrl-C, which stops everything it started.
import type { Command } from "commander";
import type { Message } from "kafkajs";
import { Partitioners } from "kafkajs";
import type { CliDeps } from "./common";
import { type Post, ROMAN } from "../domain";
import { SCENARIOS } from "../drill/scenarios";
import { createLogger } from "../log";
import { startWorker } from "../worker/main";
import { startApi } from "../http/run";
import { normalise } from "../normalise";
import { loadBenignCorpus } from "../replay/corpus";
import { Synth } from "../replay/synth";
import { defaultDataDir } from "./score";
import { loadDefaultScorer } from "../worker/scoring";
import { servicesUp } from "../services";
import { createKafka } from "../source/kafka";

export function registerDemoCommand(program: Command, deps: CliDeps): void {
  program
    .command("demo")
    .description("bring up Kafka and Redis, start a worker, replay a firehose with drill scenarios in it; Ctrl-C stops")
    .option("--rate <n>", "background posts per second", (v) => Number(v), 300)
    .option("--every <s>", "seconds between injected drill scenarios", (v) => Number(v), 20)
    .option("--seconds <n>", "stop after this many seconds (0 = until Ctrl-C)", (v) => Number(v), 0)
    .option("--port <port>", "port of the review UI and API (default: the pipeline file's api.port)", (v) => Number(v))
    .action(async (o: { rate: number; every: number; seconds: number; port?: number }) => {
      const cfg = deps.config();
      const log = createLogger(process.env.LOG_LEVEL ?? "warn", "demo");
      await servicesUp(cfg, deps.say);
      const worker = await startWorker(cfg, log, { normalise, scorer: await loadDefaultScorer(log) });
      // The API server's own /metrics goes on the port after the worker's (one process runs both).
      const m = cfg.pipeline.metrics;
      const apiMetrics = m && m.port > 0 ? { ...m, port: m.port + 1 } : m;
      const api = await startApi({ ...cfg, pipeline: { ...cfg.pipeline, metrics: apiMetrics } }, log, { port: o.port });
      const { token } = await api.deps.auth.createToken("lead", "demo", "demo");
      deps.say(`review UI: ${api.url}  (sign in with this lead token: ${token})`);
      deps.say(`review API: ${api.url}/api, OpenAPI at ${api.url}/docs (Authorization: Bearer <token>)`);
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      if (o.seconds > 0) setTimeout(() => stop.abort(), o.seconds * 1000).unref();

      let consumed = 0;
      worker.events.on("batch", (b) => (consumed += b.messages));
      worker.events.on("spike", (s) => deps.say(`spike: ${s.type} on ${s.kind} "${s.key}" (${s.reason})`));
      worker.events.on("incident", (e) => {
        if (e.kind === "opened" || e.kind === "regraded")
          deps.say(
            `incident ${e.kind}: ${e.incidentId} ${e.type} grade ${ROMAN[e.grade]} — see \`npx modstream incident show ${e.incidentId}\``,
          );
      });
      const port = cfg.pipeline.metrics?.port;
      if (port)
        deps.say(`metrics: worker http://127.0.0.1:${port}/metrics, review API http://127.0.0.1:${port + 1}/metrics`);
      deps.say(`replaying ${o.rate} posts/s with a drill scenario every ${o.every}s; Ctrl-C stops`);

      const kafka = createKafka(cfg, log);
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const t0 = Date.now();
      const synth = new Synth({
        seed: t0 % 1e9,
        authors: 20_000,
        zhShare: 0.5,
        startMs: t0,
        ratePerSec: o.rate,
        corpus: loadBenignCorpus(defaultDataDir()),
      });
      const queue: Post[] = [];
      let sent = 0;
      let nextScenario = 0;
      let nextAt = t0 + 5000;
      const ticker = setInterval(() => deps.say(`consumed ${consumed} posts`), 10_000);
      while (!stop.signal.aborted) {
        const now = Date.now();
        if (now >= nextAt) {
          const s = SCENARIOS[nextScenario++ % SCENARIOS.length];
          if (s) {
            queue.push(...s.posts(now, nextScenario));
            queue.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
            deps.say(`injecting drill scenario "${s.name}": ${s.description}`);
          }
          nextAt = now + o.every * 1000;
        }
        const due: Message[] = [];
        const owed = Math.floor(((now - t0) / 1000) * o.rate) - sent;
        for (let i = 0; i < owed; i++) due.push(msg({ ...synth.post(), createdAt: new Date(now).toISOString() }));
        sent += Math.max(0, owed);
        while (queue.length && Date.parse(queue[0]?.createdAt ?? "") <= now) due.push(msg(queue.shift() as Post));
        if (due.length) await producer.send({ topic: cfg.pipeline.kafka.topics.posts, messages: due });
        await new Promise((r) => setTimeout(r, 200));
      }
      clearInterval(ticker);
      await producer.disconnect();
      await api.close();
      await worker.close();
      deps.say("demo stopped (Kafka and Redis keep running: `npx modstream services down` stops them)");
    });
}

const msg = (p: Post): Message => ({ key: p.id, value: JSON.stringify(p) });
