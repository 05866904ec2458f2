// The extensions every worker runs, in start order.
import { ROMAN } from "../domain";
import type { Extension } from "./context";
import type { WorkerContext } from "./context";
import { Events } from "../events";
import { IncidentService } from "../incidents/service";
import { metricsExtensionWith } from "./metrics";
import { incidentsExtension } from "./incidents";
import { reviewExtension } from "./review";
import { appealsExtension } from "./appeals";

/** Live incidents by type and grade, for the metrics gauge (the metrics stage imports no other stage). */
export function openIncidents(ctx: WorkerContext) {
  if (!ctx.cfg.pipeline.incidents) return undefined;
  const service = new IncidentService({
    redis: ctx.redis,
    keys: ctx.keys,
    pipeline: ctx.cfg.pipeline,
    events: new Events(),
  });
  return async () => {
    const counts = new Map<string, number>();
    for (const i of await service.list({ live: true, limit: 2000 })) {
      const k = `${i.type}|${ROMAN[i.grade] ?? "IV"}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [...counts].map(([k, count]) => {
      const [type = "", grade = ""] = k.split("|");
      return { type, grade, count };
    });
  };
}

const metrics = metricsExtensionWith(openIncidents);
/** Named (the worker logs each extension's close by name). */
const metricsExtension: Extension = (ctx) => metrics(ctx);

export const workerExtensions: Extension[] = [metricsExtension, incidentsExtension, reviewExtension, appealsExtension];
