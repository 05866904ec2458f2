// `modstream backtest --pipeline candidate.yaml`: replays recorded traffic through the current
// pipeline file and a candidate, each isolated, and prints what the change would do.
import { readFileSync, writeFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import { loadConfig, type Config } from "../config";
import { createLogger, type Logger } from "../log";
import { normalise } from "../normalise";
import { createKafka } from "../source/kafka";
import { loadDefaultScorer } from "../worker/scoring";
import { readTopicSince } from "../replay/record";
import { recordingOf, runBacktest, type BacktestIncident, type BacktestReport } from "../drill/backtest";
import { type CliDeps, durationMs, progressBar } from "./common";

interface BacktestFlags {
  pipeline: string;
  from?: string;
  topic?: string;
  since?: number;
  speed?: number;
  max: number;
  json?: boolean;
  out?: string;
}

export function registerBacktestCommand(program: Command, deps: CliDeps): void {
  program
    .command("backtest")
    .description(
      "replay recorded traffic through the current pipeline file and a candidate, each on its own topics and keys, and report what changes",
    )
    .requiredOption("--pipeline <candidate.yaml>", "the candidate pipeline file")
    .option("--from <file.ndjson>", "the recording: posts (and reports), one JSON object per line")
    .option("--topic <name>", "the recording: what this topic received --since ago")
    .option("--since <duration>", "with --topic: how far back (e.g. 30m, 1h)", durationMs("since"))
    .option("--speed <n>", "recording seconds replayed per second (default: one bucket per detector tick)", (v) => {
      const n = Number(v);
      if (!(n > 0 && n <= 1000)) throw new InvalidArgumentError("speed must be a number in (0, 1000]");
      return n;
    })
    .option("--max <n>", "refuse recordings with more messages than this", (v) => Number(v), 2_000_000)
    .option("--json", "print the report as one JSON object")
    .option("--out <file>", "also write the JSON report to this file")
    .action(async (o: BacktestFlags) => {
      if (!o.from === !o.topic) throw new InvalidArgumentError("give exactly one of --from FILE or --topic NAME");
      if (o.topic && o.since === undefined) throw new InvalidArgumentError("--topic needs --since (e.g. --since 1h)");
      const current = deps.config();
      const candidate = loadConfig(process.env, { pipelineFile: o.pipeline });
      const log = createLogger(process.env.LOG_LEVEL ?? "warn", "backtest");
      const recording = o.from
        ? recordingOf(
            o.from,
            readFileSync(o.from, "utf8")
              .split("\n")
              .map((text, i) => ({ at: `${o.from}:${i + 1}`, text })),
            o.max,
          )
        : recordingOf(`topic ${o.topic}`, await readRecorded(o.topic!, o.since!, current, log, deps), o.max);
      for (const s of recording.skipped) deps.say(`skipped ${s.at}: ${s.reason}`);
      if (recording.skippedCount > recording.skipped.length)
        deps.say(`skipped ${recording.skippedCount - recording.skipped.length} more`);
      let bar: ReturnType<typeof progressBar> | undefined;
      const report = await runBacktest({
        current,
        candidate,
        recording,
        log,
        say: deps.say,
        normalise,
        scorer: await loadDefaultScorer(log),
        speed: o.speed,
        onProgress: (run, sent, total) => {
          bar ??= progressBar(total, run);
          bar.update(sent);
          if (sent === total) {
            bar.stop();
            bar = undefined;
            deps.say(`${run}: replayed; waiting for the pipeline to finish with it`);
          }
        },
      });
      if (o.out) writeFileSync(o.out, JSON.stringify(report, null, 2) + "\n");
      process.stdout.write(o.json ? JSON.stringify(report) + "\n" : format(report));
    });
}

async function readRecorded(topic: string, sinceMs: number, cfg: Config, log: Logger, deps: CliDeps) {
  const bar = progressBar(0, `reading ${topic}`);
  try {
    return await readTopicSince(createKafka(cfg, log), topic, Date.now() - sinceMs, (n, total) => {
      bar.setTotal(total);
      bar.update(n);
    });
  } finally {
    bar.stop();
    deps.say(`read ${topic} since ${new Date(Date.now() - sinceMs).toISOString()}`);
  }
}

const line = (i: BacktestIncident) =>
  `${i.type} grade ${i.grade} "${i.title}" (starts ${i.startsAtSec}s${i.detectedAfterMs === null ? "" : `, detected after ${(i.detectedAfterMs / 1000).toFixed(1)}s`})`;

function format(r: BacktestReport): string {
  const side = (name: string, s: BacktestReport["current"]) =>
    `${name.padEnd(9)} ${s.pipeline}\n          ${s.posts} posts, ${s.reports} reports, ${s.deadLettered} dead-lettered; ` +
    `flagged ${Object.entries(s.flagRate)
      .map(([c, x]) => `${c} ${(x * 100).toFixed(2)}%`)
      .join(", ")}; ${s.incidents.length} incidents; ${s.seconds}s`;
  const c = r.changes;
  const moved = (sign: number) =>
    c.detection.filter((d) => d.deltaMs !== null && d.deltaMs * sign > r.detectionNoiseMs).length;
  const out = [
    `recording ${r.recording.source}: ${r.recording.posts} posts, ${r.recording.reports} reports over ${r.recording.spanSeconds}s` +
      `${r.recording.skipped ? `, ${r.recording.skipped} lines skipped` : ""}; replayed at ${r.speed}x`,
    side("current", r.current),
    side("candidate", r.candidate),
    "",
    `opened by the candidate only (${c.opened.length}):`,
    ...c.opened.map((i) => `  + ${line(i)}`),
    `missed by the candidate (${c.missed.length}):`,
    ...c.missed.map((i) => `  - ${line(i)}`),
    `merged (${c.merged.length}):`,
    ...c.merged.map((m) => `  ${m.current.map((i) => i.id).join(" + ")} → ${line(m.candidate)}`),
    `split (${c.split.length}):`,
    ...c.split.map((m) => `  ${line(m.current)} → ${m.candidate.length} incidents`),
    `regraded (${c.regraded.length}):`,
    ...c.regraded.map((g) => `  ${g.current.grade} → ${g.candidate.grade}: ${line(g.candidate)}`),
    `detected more than ${r.detectionNoiseMs / 1000}s sooner: ${moved(-1)}, later: ${moved(1)}; unchanged incidents: ${c.unchanged}`,
  ];
  return out.join("\n") + "\n";
}
