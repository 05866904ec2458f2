// `modstream drill SCENARIO|all`: the drill library, run against the real pipeline.
import type { Command } from "commander";
import type { Config } from "../config";
import { createLogger } from "../log";
import { normalise } from "../normalise";
import { loadBenignCorpus } from "../replay/corpus";
import { defaultDataDir } from "./score";
import { loadDefaultScorer } from "../worker/scoring";
import { runDrills, type DrillReport } from "../drill/runner";
import { SCENARIOS, scenarioNames } from "../drill/scenarios";

export function registerDrillCommand(program: Command, deps: { config: () => Config; say: (l: string) => void }): void {
  program
    .command("drill")
    .description(
      `inject named incidents into background traffic through Kafka → worker → Redis and report detection (${scenarioNames.join(", ")}, or all)`,
    )
    .argument("<scenario>", "a scenario name, or all")
    .option("--json", "print one JSON object")
    .option("--rate <n>", "background posts per second", (v) => Number(v), 200)
    .option("--seed <n>", "seed of the generated traffic", (v) => Number(v), 1)
    .option(
      "--observe <seconds>",
      "keep watching this long after the last burst (grade changes are counted over it)",
      (v) => Number(v),
      60,
    )
    .action(async (name: string, o: { json?: boolean; rate: number; seed: number; observe: number }) => {
      const names = name === "all" ? scenarioNames : [name];
      if (!names.every((n) => scenarioNames.includes(n)))
        throw new Error(`unknown scenario "${name}"; one of: ${scenarioNames.join(", ")}, all`);
      const cfg = deps.config();
      const log = createLogger(process.env.LOG_LEVEL ?? "warn", "drill");
      const report = await runDrills(names, {
        base: cfg,
        log,
        say: deps.say,
        normalise,
        scorer: await loadDefaultScorer(log),
        backgroundRate: o.rate,
        warmupMs: 5000,
        timeoutMs: 45_000,
        observeMs: o.observe * 1000,
        seed: o.seed,
        corpus: loadBenignCorpus(defaultDataDir()),
      });
      process.stdout.write(o.json ? JSON.stringify(report) + "\n" : format(report));
      if (!report.pass) process.exitCode = 1;
    });
}

function format(r: DrillReport): string {
  const lines = r.results.map((x) => {
    const what = SCENARIOS.find((s) => s.name === x.scenario)?.description ?? "";
    const verdict = x.expect
      ? x.detected
        ? `detected ${x.found?.type} on ${x.found?.kind} "${x.found?.key}" after ${((x.timeToDetectMs ?? 0) / 1000).toFixed(1)}s`
        : "NOT detected"
      : x.unexpected.length
        ? `opened ${x.unexpected.map((u) => u.type).join(", ")} (should open nothing)`
        : "opened nothing, as it should";
    const inc = x.incidents
      .map((i) => `${i.id} ${i.type} grade ${i.grade} (${i.regrades} grade changes) "${i.title}"`)
      .join(", ");
    const why = x.failures.length ? `\n      ${x.failures.join("; ")}` : "";
    return `${x.pass ? "PASS" : "FAIL"}  ${x.scenario.padEnd(10)} ${verdict}${inc ? `; incident ${inc}` : ""}   — ${what}${why}`;
  });
  return `${lines.join("\n")}\nbackground: ${r.backgroundPosts} posts, ${r.backgroundSpikes.length} spikes, ${r.backgroundIncidents.length} incidents; ${r.seconds}s\n`;
}
