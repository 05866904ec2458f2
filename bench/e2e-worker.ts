// One worker process of the end-to-end benchmark: the real worker with every stage and extension
// (decode, validate, normalise, score, windows, detection, incidents, review queue, metrics),
// configured by MODSTREAM_PIPELINE like `modstream run`. It prints one JSON line a second with
// its progress and resources, and a last line with its step durations (and, when
// MODSTREAM_BENCH_LAGS=1, each post's event-time → durable latency) after SIGTERM stops it.
import { loadConfig } from "../src/config";
import { Events } from "../src/events";
import { createLogger } from "../src/log";
import { startWorker } from "../src/worker/main";
import { normalise } from "../src/normalise";
import { loadDefaultScorer } from "../src/worker/scoring";

export interface WorkerReport {
  final: boolean;
  posts: number;
  /** Epoch ms when its first step began, and when its latest step finished (0 = none yet). */
  firstAt: number;
  lastAt: number;
  rssMb: number;
  heapMb: number;
  cpuSeconds: number;
  stepMs?: number[];
  lagMs?: number[];
}

const cfg = loadConfig();
const log = createLogger(process.env.LOG_LEVEL ?? "warn", "bench-worker");
const events = new Events();
const wantLags = process.env.MODSTREAM_BENCH_LAGS === "1";
const stepMs: number[] = [];
const lagMs: number[] = [];
let posts = 0;
let firstAt = 0;
let lastAt = 0;
events.on("batch", (b) => {
  if (b.topic !== cfg.pipeline.kafka.topics.posts) return;
  const now = Date.now();
  if (firstAt === 0) firstAt = now - b.ms;
  lastAt = now;
  posts += b.messages;
  stepMs.push(b.ms);
  if (wantLags && b.eventTimesMs) for (const t of b.eventTimesMs) lagMs.push(now - t);
});
const worker = await startWorker(cfg, log, { normalise, scorer: await loadDefaultScorer(log), events });
const cpu0 = process.cpuUsage();

function report(final: boolean): void {
  const cpu = process.cpuUsage(cpu0);
  const mem = process.memoryUsage();
  const r: WorkerReport = {
    final,
    posts,
    firstAt,
    lastAt,
    rssMb: Math.round(mem.rss / 2 ** 20),
    heapMb: Math.round(mem.heapUsed / 2 ** 20),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...(final ? { stepMs, ...(wantLags ? { lagMs } : {}) } : {}),
  };
  process.stdout.write(JSON.stringify(r) + "\n");
}

const ticker = setInterval(() => report(false), 1000);
process.once("SIGTERM", () => {
  clearInterval(ticker);
  worker.close().then(
    () => report(true),
    (err: unknown) => {
      log.error({ err }, "error while stopping");
      report(true);
    },
  );
});
