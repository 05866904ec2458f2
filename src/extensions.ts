// The extensions every worker runs, in start order.
import type { Extension } from "./context";

export const workerExtensions: Extension[] = [];
