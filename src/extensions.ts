// The extensions every worker runs, in start order.
import type { Extension } from "./context";
import { metricsExtension } from "./metrics/extension";
import { incidentsExtension } from "./incidents/extension";

export const workerExtensions: Extension[] = [metricsExtension, incidentsExtension];
