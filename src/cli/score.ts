// The scoring commands (train, score, eval) for src/cli/index.ts to register. They set
// process.exitCode and never exit, so the caller owns process lifetime.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../config";
import { progressBar, say } from "./common";
import { scoreFile } from "./score-file";
import type { Post } from "../domain";
import { evaluate, evaluateStream, topFeatures } from "../train/eval";
import { defaultModelsDir, ModelScorer } from "../score/scorer";
import { loadModels } from "../score/models";

/** ../shared/data next to the repository root. */
export function defaultDataDir(): string {
  return path.resolve(defaultModelsDir(), "../../shared/data");
}

function cliPost(text: string): Post {
  // A long-standing account, so that attack hints reflect the text alone.
  return {
    id: "cli",
    author: { id: "cli", followers: 100, accountAgeDays: 365 },
    text,
    createdAt: new Date().toISOString(),
  };
}

export async function evalCommand(opts: {
  data: string;
  seed?: number;
  topFeatures?: number;
}): Promise<{ result: Record<string, unknown>; pass: boolean }> {
  const modelsDir = defaultModelsDir();
  const loaded = await loadModels(modelsDir);
  const seed = opts.seed ?? loaded.manifest.seed;
  const datasets = evaluate(loaded, opts.data, seed);
  const stream = evaluateStream(loaded, opts.data, seed);
  const inDomainPass = Object.values(datasets).every((d) => d.pass);
  const pass = inDomainPass && stream.pass;
  const { pass: streamPass, ...figures } = stream;
  return {
    result: {
      modelsVersion: loaded.manifest.version,
      backend: loaded.backend,
      datasets,
      ...figures,
      ...(opts.topFeatures ? { topFeatures: topFeatures(loaded, opts.data, seed, opts.topFeatures) } : {}),
      inDomainPass,
      streamPass,
      pass,
    },
    pass,
  };
}

async function scoreFileCommand(scorer: ModelScorer, file: string, out?: string): Promise<void> {
  if (!existsSync(file)) throw new InvalidArgumentError(`no such file: ${file}`);
  const limits = loadConfig().pipeline.limits;
  const bar = progressBar(statSync(file).size, "scoring (bytes)");
  const r = await scoreFile({ file, out, scorer, limits, progress: (done) => bar.update(done) });
  bar.stop();
  const flagged = Object.entries(r.flagged)
    .map(([c, n]) => `${c} ${n}`)
    .join(", ");
  say(
    `${r.scored} posts scored, ${r.errors} bad lines; flagged: ${flagged || "none"}${out ? `; written to ${out}` : ""}`,
  );
  if (r.errors > 0) process.exitCode = 2;
}

export function registerScoreCommands(program: Command): void {
  program
    .command("train")
    .description("train the abuse and rumour models on ../shared/data and write models/")
    .option("--seed <n>", "random seed", (v) => Number.parseInt(v, 10), 42)
    .option("--data <dir>", "labelled data directory", defaultDataDir())
    .option("--thresholds-only", "keep the models; choose each stream threshold again for its flag-rate target")
    .action(async (o: { seed: number; data: string; thresholdsOnly?: boolean }) => {
      const { rechooseThresholds, runTraining } = await import("../train");
      const modelsDir = defaultModelsDir();
      const started = Date.now();
      const train = { dataDir: o.data, modelsDir, seed: o.seed, log: (l: string) => console.log(l) };
      if (o.thresholdsOnly) await rechooseThresholds(train);
      else await runTraining(train);
      const { result, pass } = await evalCommand({ data: o.data, seed: o.seed });
      // Record the test figures next to the models they describe.
      const file = path.join(modelsDir, "MANIFEST.json");
      const manifest = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...manifest, metrics: result }, null, 2) + "\n");
      console.log(JSON.stringify(result, null, 2));
      console.log(
        `trained in ${((Date.now() - started) / 1000).toFixed(0)} s; targets ${pass ? "met" : "NOT all met"}`,
      );
    });

  program
    .command("score")
    .description("score a text (or, with --file, a JSON-lines file of posts) with every signal and explain it")
    .argument("[text...]", "the post text")
    .option("--json", "print the Score as JSON")
    .option("--file <posts.jsonl>", 'score every line: an event-contract post or {"text": ...}')
    .option("--out <file>", "with --file: write the JSON lines here instead of stdout")
    .action(async (words: string[], o: { json?: boolean; file?: string; out?: string }) => {
      const scorer = await ModelScorer.load();
      if (o.file !== undefined) {
        await scoreFileCommand(scorer, o.file, o.out);
        return;
      }
      if (words.length === 0) throw new InvalidArgumentError("give a text to score, or --file");
      const [score] = scorer.scoreBatch([cliPost(words.join(" "))]);
      if (!score) return;
      if (o.json) {
        console.log(JSON.stringify(score, null, 2));
        return;
      }
      for (const [category, s] of Object.entries(score)) {
        const why = s.top.map((c) => `${c.feature} (${c.weight.toFixed(3)})`).join(", ");
        console.log(`${category.padEnd(9)} ${s.score.toFixed(3)} ${s.flagged ? "FLAGGED" : "ok     "} ${why}`);
      }
    });

  program
    .command("eval")
    .description("evaluate the committed models on every test split; prints one JSON object")
    .option("--json", "print compact JSON on one line")
    .option("--data <dir>", "labelled data directory", defaultDataDir())
    .option("--top-features <n>", "also list each model's n strongest features towards flagged", (v) => Number(v))
    .action(async (o: { json?: boolean; data: string; topFeatures?: number }) => {
      const { result, pass } = await evalCommand({ data: o.data, topFeatures: o.topFeatures });
      console.log(o.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
      if (!pass) process.exitCode = 1;
    });
}
