// Structured JSON logging (pino) for every service and command.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, name = "modstream"): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
