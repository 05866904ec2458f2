// Structured JSON logging (pino) for every service and command. Logs go to stderr, so a
// command's own output on stdout (`--json` figures, a token) stays clean for whatever reads it.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, name = "modstream"): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination(2));
}
