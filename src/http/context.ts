// What every route module is handed: the server's collaborators and its change feed, and the
// rate limits the routes share. Its own module, so the routes never import the server back.
import type { FastifyBaseLogger } from "fastify";
import type { RedisClient } from "../redis/client";
import type { ApiConfig, IncidentsConfig } from "../config";
import type { Events } from "../events";
import type { IncidentService } from "../incidents/service";
import type { Silences } from "../incidents/silences";
import type { Keys } from "../keys";
import type { AuthStore } from "../review/auth";
import type { ReviewService } from "../review/queue";
import type { Changes } from "./sse";

export interface ServerDeps {
  api: ApiConfig;
  incidentsConfig: IncidentsConfig;
  /** The working group of the appeals queue (appealsConfig). */
  appealsGroup: string;
  redis: RedisClient;
  keys: Keys;
  events: Events;
  review: ReviewService;
  incidents: IncidentService;
  silences: Silences;
  auth: AuthStore;
  /** Readiness of the services behind the API (Redis is checked here; Kafka by the caller). */
  ready?: () => Promise<Record<string, boolean>>;
  logger?: FastifyBaseLogger | boolean;
  /** Built UI (ui/dist); served at / when present. */
  uiDir?: string;
}

export type RouteContext = ServerDeps & { changes: Changes };

/** Rate limit of writes and of logins, per client, from the api section. */
export const writeLimit = (api: ApiConfig) => ({ max: api.rateLimit.writesPerMinute, timeWindow: 60_000 });
export const authLimit = (api: ApiConfig) => ({ max: api.rateLimit.authPerMinute, timeWindow: 60_000 });
