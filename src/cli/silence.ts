// `modstream silence add|list|expire|suppressed`: a lead silences a key, a key kind or an incident type for a
// while, with a reason (docs/incidents.md, "Silences and inhibition"). Audited as the API's are.
import type { Command } from "commander";
import type { Config } from "../config";
import { INCIDENT_TYPES, KEY_KINDS, ROMAN, type Silence } from "../domain";
import { apiDeps } from "../http/run";
import { describeMatcher, isActive, type Silences } from "../incidents/silences";
import { connectRedis } from "../redis/client";

export interface SilenceCliDeps {
  config: () => Config;
  say: (line: string) => void;
  /** Where command output goes (stdout by default). */
  out?: (text: string) => void;
}

async function withSilences<T>(deps: SilenceCliDeps, run: (s: Silences) => Promise<T>): Promise<T> {
  const cfg = deps.config();
  const redis = connectRedis(cfg);
  try {
    return await run(apiDeps(cfg, redis).silences);
  } finally {
    redis.disconnect();
  }
}

/** One line a lead reads: id, what, until when, who and why. */
export function silenceLine(s: Silence, now = Date.now()): string {
  const state = s.expiredAt
    ? `expired ${new Date(s.expiredAt).toISOString()} by ${s.expiredBy ?? "?"}`
    : isActive(s, now)
      ? `until ${new Date(s.endsAt).toISOString()}`
      : `ended ${new Date(s.endsAt).toISOString()}`;
  return `${s.id}  ${describeMatcher(s.matcher)}  ${state}  by ${s.createdBy}: ${s.reason}`;
}

export function registerSilenceCommands(program: Command, deps: SilenceCliDeps): void {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`));
  const silence = program
    .command("silence")
    .description("silence a key, a key kind or an incident type for a while: matching spikes open no incident");

  silence
    .command("add")
    .description("add a silence (at least one of --kind, --key with --kind, --type)")
    .option("--kind <kind>", `key kind (${KEY_KINDS.join(", ")}); alone, every key of the kind`)
    .option("--key <key>", "one key, as typed (#Foo is the hashtag foo)")
    .option("--type <type>", `incident type (${INCIDENT_TYPES.join(", ")})`)
    .requiredOption("--for <duration>", "how long: 30m, 2h, 1d, 1h30m (at most 30 days)")
    .requiredOption("--reason <text>", "why (recorded on the silence and in the audit log)")
    .option("--actor <name>", "the lead setting it", process.env.USER ?? "cli")
    .option("--json", "print the silence as JSON")
    .action(
      async (o: {
        kind?: string;
        key?: string;
        type?: string;
        for: string;
        reason: string;
        actor: string;
        json?: boolean;
      }) =>
        withSilences(deps, async (s) => {
          const added = await s.add(o, o.actor);
          out(o.json ? JSON.stringify(added) : silenceLine(added));
        }),
    );

  silence
    .command("list")
    .description("active silences, ending soonest first")
    .option("--all", "also those ended in the last week")
    .option("--json", "one JSON object per line")
    .action(async (o: { all?: boolean; json?: boolean }) =>
      withSilences(deps, async (s) => {
        const list = await s.list({ all: o.all });
        if (o.json) return out(list.map((x) => JSON.stringify(x)).join("\n"));
        if (list.length === 0) return deps.say(o.all ? "no silences this week" : "no active silences");
        out(list.map((x) => silenceLine(x)).join("\n"));
      }),
    );

  silence
    .command("suppressed")
    .description("incident openings silences and inhibiting incidents stopped, newest first")
    .option("--limit <n>", "at most this many", (v) => Number(v), 50)
    .option("--json", "one JSON object per line")
    .action(async (o: { limit: number; json?: boolean }) =>
      withSilences(deps, async (s) => {
        const list = await s.suppressed(o.limit);
        if (o.json) return out(list.map((x) => JSON.stringify(x)).join("\n"));
        if (list.length === 0) return deps.say("nothing suppressed this week");
        out(
          list
            .map(
              (x) =>
                `${new Date(x.at).toISOString()}  ${x.reason.padEnd(9)} ${x.type.padEnd(9)} ${x.kind} "${x.key}"  grade ${ROMAN[x.grade]}  by ${x.silenceId ?? x.incidentId ?? "?"}`,
            )
            .join("\n"),
        );
      }),
    );

  silence
    .command("expire")
    .description("end a silence now")
    .argument("<id>")
    .option("--actor <name>", "the lead ending it", process.env.USER ?? "cli")
    .action(async (id: string, o: { actor: string }) =>
      withSilences(deps, async (s) => {
        const ended = await s.expire(id, o.actor);
        deps.say(`${ended.id} expired`);
      }),
    );
}
