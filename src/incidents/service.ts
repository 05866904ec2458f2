// IncidentService: the incidents stage's programmatic face (the CLI, the HTTP API and the worker
// extension all call it). The commands (commands.ts) with the policies that call them: spikes
// (spikes.ts), the periodic refresh (refresh.ts), technical faults (faults.ts) and report
// scanning (report-scan.ts). The Redis side of all of them is store.ts.
import type { Incident, Spike } from "../domain";
import { IncidentCommands, type OpenResult } from "./commands";
import { clearFault, reportFault } from "./faults";
import { refresh } from "./refresh";
import { scanReports } from "./report-scan";
import { applySpike } from "./spikes";

export { incidentId, type IncidentServiceOptions, type ListFilter, type OpenInput, type OpenResult } from "./commands";
export { clusterOf } from "./spikes";
export { splitTag } from "./report-scan";

export class IncidentService extends IncidentCommands {
  /** Opens or extends the incident of a spike; `ref` is its spikes-stream id. */
  applySpike(spike: Spike, ref: string): Promise<OpenResult> {
    return applySpike(this, spike, ref);
  }

  /** One pass of the elected worker over recent incidents (see refresh.ts). */
  refresh(): Promise<void> {
    return refresh(this);
  }

  /** Opens (or keeps alive) the grade-IV technical incident of a fault signal. */
  reportFault(signal: string, value: number, text: string, since: number, source: string): Promise<OpenResult> {
    return reportFault(this, signal, value, text, since, source);
  }

  /** Resolves a signal's technical incident once no worker has reported the fault for `quietMs`. */
  clearFault(signal: string, text: string, quietMs: number): Promise<Incident | undefined> {
    return clearFault(this, signal, text, quietMs);
  }

  /** Opens incidents from user reports alone (see report-scan.ts). */
  scanReports(): Promise<OpenResult[]> {
    return scanReports(this);
  }
}
