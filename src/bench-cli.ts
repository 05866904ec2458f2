// `modstream bench ...`: the benchmarks in bench/, run from the CLI.
import type { Command } from "commander";
import type { Config } from "./config";

export interface CliDeps {
  config: () => Config;
  say: (line: string) => void;
}

export function registerBenchCommands(program: Command, deps: CliDeps): void {
  const bench = program
    .command("bench")
    .description("benchmarks (figures printed; --json for machine-readable output)");
  bench
    .command("ingest")
    .description("raw kafkajs consumption (the ceiling) vs decode+validate+normalise, on the same topic in one run")
    .option("--count <n>", "posts to pre-load", (v) => Number(v), 300_000)
    .option("--json", "print one JSON object")
    .action(async (o: { count: number; json?: boolean }) => {
      const { benchIngest } = await import("../bench/ingest");
      const result = await benchIngest({ config: deps.config(), count: o.count, say: deps.say });
      process.stdout.write(o.json ? JSON.stringify(result) + "\n" : formatIngest(result));
    });
}

function formatIngest(r: { ceiling: { postsPerSec: number }; pipeline: { postsPerSec: number }; ratio: number }) {
  return `raw consume: ${r.ceiling.postsPerSec} posts/s\ndecode+validate+normalise: ${r.pipeline.postsPerSec} posts/s\nratio: ${r.ratio}\n`;
}
