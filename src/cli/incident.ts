// `modstream incident ...`: list, show, report, move and annotate incidents from a terminal.
// Changes land on the timeline and the outbox; a running worker publishes them to Kafka.
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { connectRedis } from "../redis/client";
import type { Config } from "../config";
import { INCIDENT_STATES, ROMAN, type IncidentState, type IncidentType } from "../domain";
import { Events } from "../events";

import type { IncidentKeys } from "../incidents/keys";
import { IncidentService } from "../incidents/service";
import { renderShow } from "../incidents/show";

export interface IncidentCliDeps {
  config: () => Config;
  say: (line: string) => void;
  /** The key builder (src/keys.ts `new Keys(prefix)`); stages do not import each other. */
  keys: (prefix: string) => IncidentKeys;
  /** Where command output goes (stdout by default). */
  out?: (text: string) => void;
}

const state = (v: string): IncidentState => {
  if (!(INCIDENT_STATES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`state must be one of ${INCIDENT_STATES.join(", ")}`);
  return v as IncidentState;
};

async function withService<T>(deps: IncidentCliDeps, run: (s: IncidentService) => Promise<T>): Promise<T> {
  const cfg = deps.config();
  const redis = connectRedis(cfg);
  try {
    const service = new IncidentService({
      redis,
      keys: deps.keys(cfg.pipeline.redis.prefix),
      pipeline: cfg.pipeline,
      events: new Events(),
    });
    return await run(service);
  } finally {
    redis.disconnect();
  }
}

export function registerIncidentCommands(program: Command, deps: IncidentCliDeps): void {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`));
  const incident = program.command("incident").description("graded incidents: list, show, report, transition");

  incident
    .command("list")
    .description("incidents, newest first")
    .option("--state <state>", "only this state", state)
    .option("--type <type>", "only this type (rumour, abuse, attack, data_leak, technical)")
    .option("--live", "only incidents not yet resolved")
    .option("--grade <n>", "only this grade (1-4)", (v) => Number(v))
    .option("--group <name>", "only this working group")
    .option("--q <text>", "search the key, title and representative text")
    .option("--json", "one JSON object per line")
    .option("--limit <n>", "at most this many", (v) => Number(v), 50)
    .action(
      async (o: {
        state?: IncidentState;
        type?: IncidentType;
        live?: boolean;
        grade?: number;
        group?: string;
        q?: string;
        json?: boolean;
        limit: number;
      }) =>
        withService(deps, async (s) => {
          const list = await s.list({
            state: o.state,
            type: o.type,
            live: o.live,
            grade: o.grade,
            group: o.group,
            q: o.q,
            limit: o.limit,
          });
          if (o.json) return out(list.map((i) => JSON.stringify(i)).join("\n"));
          if (list.length === 0) return deps.say("no incidents");
          out(
            list
              .map(
                (i) =>
                  `${i.id}  ${i.type.padEnd(9)} ${ROMAN[i.grade].padEnd(3)} ${i.state.padEnd(10)} ${i.group.padEnd(13)} ${i.title}  opened ${new Date(i.openedAt).toISOString()}  respond by ${new Date(s.respondBy(i)).toISOString()}`,
              )
              .join("\n"),
          );
        }),
    );

  incident
    .command("show")
    .description("an incident as a lead reads it: title, grade, state, summary, timeline, top evidence")
    .argument("<id>")
    .option("--json", "the machine form: the incident with respondBy, timeline, evidence and sparkline")
    .action(async (id: string, o: { json?: boolean }) =>
      withService(deps, async (s) => {
        const [inc, timeline, evidence, sparkline] = await Promise.all([
          s.get(id),
          s.timeline(id),
          s.store.evidence(id),
          s.store.sparkline(id),
        ]);
        if (o.json)
          return out(JSON.stringify({ incident: inc, respondBy: s.respondBy(inc), timeline, evidence, sparkline }));
        out(renderShow({ incident: inc, timeline, evidence, respondBy: s.respondBy(inc) }));
      }),
    );

  incident
    .command("report")
    .description("the Markdown summary report: timeline, scale, times, actions, statements, evidence")
    .argument("<id>")
    .action(async (id: string) => withService(deps, async (s) => out(await s.report(id))));

  incident
    .command("transition")
    .description(`move an incident along its lifecycle (${INCIDENT_STATES.join(" → ")})`)
    .argument("<id>")
    .argument("<state>", "new state", state)
    .option("--actor <name>", "who does it (recorded on the timeline)", process.env.USER ?? "cli")
    .option("--assignee <name>", "owner of the response (needed to start responding)")
    .option("--note <text>", "note for the timeline (the review summary, for reviewed)")
    .action(async (id: string, to: IncidentState, o: { actor: string; assignee?: string; note?: string }) =>
      withService(deps, async (s) => {
        const inc = await s.transition(id, to, o);
        deps.say(`${inc.id} is ${inc.state}`);
      }),
    );

  incident
    .command("statement")
    .description("publish a public statement or rebuttal (辟谣) on an incident")
    .argument("<id>")
    .argument("<text>")
    .option("--actor <name>", "the lead publishing it", process.env.USER ?? "cli")
    .action(async (id: string, text: string, o: { actor: string }) =>
      withService(deps, async (s) => {
        await s.addStatement(id, text, o.actor);
        deps.say(`statement recorded on ${id}`);
      }),
    );

  incident
    .command("action")
    .description("record a response action (posts removed, accounts sanctioned, attack blocked)")
    .argument("<id>")
    .argument("<text>")
    .option("--actor <name>", "who took it", process.env.USER ?? "cli")
    .action(async (id: string, text: string, o: { actor: string }) =>
      withService(deps, async (s) => {
        await s.recordAction(id, text, o.actor);
        deps.say(`action recorded on ${id}`);
      }),
    );
}
