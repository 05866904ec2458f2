// The only reader of process.env and pipelines/*: builds one validated, frozen Config.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { configInvalid } from "./errors";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_PIPELINE = resolve(REPO_ROOT, "pipelines/default.yaml");

const PositiveInt = Type.Integer({ minimum: 1 });

const Ladder = Type.Array(Type.Number({ minimum: 0 }), { minItems: 1, maxItems: 6 });
const PerType = <T extends TSchema>(t: T) =>
  Type.Object({ rumour: t, abuse: t, attack: t, data_leak: t, technical: t }, { additionalProperties: false });

/** The incidents section (src/incidents; every field is explained in pipelines/default.yaml). */
function IncidentsSchema() {
  return Type.Object(
    {
      enabled: Type.Boolean(),
      tickMs: Type.Integer({ minimum: 100 }),
      statementsTopic: Type.String({ minLength: 1 }),
      grading: Type.Object(
        {
          typeSeverity: PerType(Type.Number({ minimum: 0 })),
          flagged: Ladder,
          perMinute: Ladder,
          authors: Ladder,
          reach: Ladder,
          confidence: Ladder,
          growth: Ladder,
          grades: Type.Object(
            { I: Type.Number({ minimum: 0 }), II: Type.Number({ minimum: 0 }), III: Type.Number({ minimum: 0 }) },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false },
      ),
      slaMinutes: Type.Object(
        { I: PositiveInt, II: PositiveInt, III: PositiveInt, IV: PositiveInt },
        { additionalProperties: false },
      ),
      groups: PerType(Type.String({ minLength: 1 })),
      quietSeconds: PositiveInt,
      coolDownSeconds: PositiveInt,
      /** Steady grades: a grade steps down (one step) only after this long without a new spike. */
      downgradeQuietSeconds: Type.Optional(PositiveInt),
      /** Targeted harassment (abuse on a mention) by at least `minAccounts` accounts grades at least `atLeast`. */
      harassment: Type.Optional(
        Type.Object(
          { minAccounts: PositiveInt, atLeast: Type.Integer({ minimum: 1, maximum: 4 }) },
          { additionalProperties: false },
        ),
      ),
      evidence: Type.Object(
        {
          perKey: Type.Integer({ minimum: 1, maximum: 100 }),
          perIncident: Type.Integer({ minimum: 1, maximum: 1000 }),
        },
        { additionalProperties: false },
      ),
      reports: Type.Object(
        {
          enabled: Type.Boolean(),
          minReporters: PositiveInt,
          windowBuckets: PositiveInt,
          /**
           * Report-bombing: a reported post whose every model score is below this is harmless,
           * so a flood of reports against it is an attack by the reporters (default 0.5).
           */
          harmlessBelow: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
      technical: Type.Object(
        {
          windowSeconds: PositiveInt,
          healthySeconds: PositiveInt,
          redisLatencyMs: PositiveInt,
          redisTimeoutMs: PositiveInt,
          maxLag: PositiveInt,
          lagCheckMs: Type.Integer({ minimum: 1000 }),
          deadLetterRate: Type.Number({ minimum: 0, maximum: 1 }),
          minMessages: PositiveInt,
          maxErrors: PositiveInt,
        },
        { additionalProperties: false },
      ),
      alertmanager: Type.Object({ url: Type.String(), timeoutMs: PositiveInt }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  );
}

/** The api section (src/http, src/review; every field is explained in pipelines/default.yaml). */
function ApiSchema() {
  return Type.Object(
    {
      host: Type.String({ minLength: 1 }),
      port: Type.Integer({ minimum: 0, maximum: 65535 }),
      leaseSeconds: PositiveInt,
      sessionTtlSeconds: PositiveInt,
      secureCookies: Type.Boolean(),
      corsOrigins: Type.Array(Type.String({ minLength: 1 })),
      rateLimit: Type.Object(
        { authPerMinute: PositiveInt, writesPerMinute: PositiveInt },
        { additionalProperties: false },
      ),
      postMinScore: Type.Number({ minimum: 0, maximum: 1 }),
      maxWaiting: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { additionalProperties: false },
  );
}

const PipelineSchema = Type.Object(
  {
    version: Type.Literal(1),
    kafka: Type.Object(
      {
        groupId: Type.String({ minLength: 1 }),
        clientId: Type.String({ minLength: 1 }),
        partitions: PositiveInt,
        topics: Type.Object(
          {
            posts: Type.String({ minLength: 1 }),
            reports: Type.String({ minLength: 1 }),
            deadLetter: Type.String({ minLength: 1 }),
            actions: Type.String({ minLength: 1 }),
            incidents: Type.String({ minLength: 1 }),
            appeals: Type.String({ minLength: 1 }),
          },
          { additionalProperties: false },
        ),
        maxBatchMessages: PositiveInt,
        partitionsConcurrently: PositiveInt,
        sessionTimeoutMs: Type.Integer({ minimum: 6000 }),
      },
      { additionalProperties: false },
    ),
    limits: Type.Object({ maxMessageBytes: PositiveInt, maxTextBytes: PositiveInt }, { additionalProperties: false }),
    redis: Type.Object(
      {
        prefix: Type.String({ pattern: "^[A-Za-z0-9_.:-]+$" }),
        bookkeepingTtlSeconds: PositiveInt,
        commandTimeoutMs: Type.Optional(PositiveInt),
      },
      { additionalProperties: false },
    ),
    windows: Type.Object(
      {
        bucketSeconds: PositiveInt,
        retentionSeconds: PositiveInt,
        keyWindows: Type.Boolean(),
        promoteMinPosts: PositiveInt,
        candidatesKept: PositiveInt,
        hotRefreshMs: PositiveInt,
        newAccountDays: Type.Number({ minimum: 0 }),
        sampleUnflagged: PositiveInt,
        /** Keys per kind in each worker's heavy-hitter sketches (default 4096). */
        heavyHitters: Type.Optional(PositiveInt),
        /** How far a createdAt may run ahead of the broker's timestamp (default 300 s). */
        maxFutureSkewSeconds: Type.Optional(PositiveInt),
      },
      { additionalProperties: false },
    ),
    scoring: Type.Object(
      {
        // Per category, overrides the models' own stream thresholds (models/MANIFEST.json, flagAt).
        flagAt: Type.Optional(
          Type.Object(
            {
              rumour: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
              abuse: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
              attack: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
              data_leak: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    detect: Type.Object(
      {
        enabled: Type.Boolean(),
        tickMs: Type.Integer({ minimum: 100 }),
        shortBuckets: PositiveInt,
        baselineBuckets: PositiveInt,
        topK: PositiveInt,
        minEvidence: Type.Number({ minimum: 0 }),
        priorPerBucket: Type.Number({ exclusiveMinimum: 0 }),
        minFlagged: Type.Object(
          { rumour: PositiveInt, abuse: PositiveInt, attack: PositiveInt, data_leak: PositiveInt },
          { additionalProperties: false },
        ),
        minAuthors: PositiveInt,
        minShare: Type.Number({ minimum: 0, maximum: 1 }),
        soloAuthorMax: PositiveInt,
        watchSeconds: PositiveInt,
      },
      { additionalProperties: false },
    ),
    incidents: Type.Optional(IncidentsSchema()),
    /** The review API and UI server (src/http, src/review); absent uses the defaults below. */
    api: Type.Optional(ApiSchema()),
    /** Appeals of decisions (src/review/appeals.ts); absent uses the defaults of appealsConfig. */
    appeals: Type.Optional(Type.Object({ group: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    /** The worker's Prometheus endpoint (src/metrics); absent or port 0 serves none. */
    metrics: Type.Optional(
      Type.Object(
        { port: Type.Integer({ minimum: 0, maximum: 65535 }), host: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type Pipeline = Static<typeof PipelineSchema>;
export type IncidentsConfig = NonNullable<Pipeline["incidents"]>;
export type ApiConfig = NonNullable<Pipeline["api"]>;

/**
 * How long a Redis command may go unanswered before it fails (default 5 s). A Redis that hangs
 * (accepts connections, never answers) would otherwise stall a worker step or an API request for
 * as long as it hangs: a failed step is retried with back-off, a request gets 503.
 */
export function redisCommandTimeoutMs(p: Pipeline): number {
  return p.redis.commandTimeoutMs ?? 5000;
}

/**
 * The event times a worker accepts, relative to the broker's timestamp of the message: at most
 * `windows.maxFutureSkewSeconds` ahead (clock skew between producers and the broker) and at most
 * `windows.retentionSeconds` behind (older buckets are already gone). See docs/events.md.
 */
export function eventTimeBounds(p: Pipeline): { maxFutureSkewMs: number; maxAgeMs: number } {
  return {
    maxFutureSkewMs: (p.windows.maxFutureSkewSeconds ?? 300) * 1000,
    maxAgeMs: p.windows.retentionSeconds * 1000,
  };
}

/** The api section, defaulted when the pipeline file has none. */
export function apiConfig(p: Pipeline): ApiConfig & { maxWaiting: number } {
  const api = p.api ?? {
    host: "127.0.0.1",
    port: 8080,
    leaseSeconds: 300,
    sessionTtlSeconds: 28800,
    secureCookies: true,
    corsOrigins: [],
    rateLimit: { authPerMinute: 20, writesPerMinute: 600 },
    postMinScore: 0.98,
  };
  return { ...api, maxWaiting: api.maxWaiting ?? 10_000 };
}

/**
 * The appeals section, defaulted: the group that works the appeals queue. It must differ from
 * every group that decides (incidents.groups), so no appeal is judged by the desk that decided it.
 */
export function appealsConfig(p: Pipeline): { group: string } {
  return { group: p.appeals?.group ?? "appeals-desk" };
}

export interface Config {
  readonly pipeline: Pipeline;
  readonly pipelineFile: string;
  readonly kafkaBrokers: readonly string[];
  readonly redisUrl: string;
  /** REDIS_CLUSTER_NODES as host:port seeds: when set, every client is an ioredis Cluster (src/redis/client.ts). */
  readonly redisClusterNodes?: readonly string[];
  readonly logLevel: string;
  /** True when KAFKA_BROKERS / REDIS_URL point at servers the user runs. */
  readonly externalKafka: boolean;
  readonly externalRedis: boolean;
}

const validatePipeline = new Ajv({ allErrors: true }).compile<Pipeline>(PipelineSchema);

/** Validates a parsed pipeline document; the error names every bad field. */
export function parsePipeline(doc: unknown, source = "pipeline"): Pipeline {
  withAppealsTopic(doc);
  if (validatePipeline(doc)) {
    const group = appealsConfig(doc).group;
    const deciders = Object.entries(doc.incidents?.groups ?? {}).filter(([, g]) => g === group);
    if (deciders.length)
      throw configInvalid(
        `${source}: /appeals/group "${group}" also decides ${deciders.map(([t]) => t).join(", ")} (incidents.groups): appeals need a group other than the one that decided`,
      );
    return doc;
  }
  const problems = (validatePipeline.errors ?? []).map((e) => {
    const at = e.instancePath || "/";
    const extra =
      e.keyword === "additionalProperties"
        ? ` (unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}")`
        : "";
    return `${at} ${e.message ?? "is invalid"}${extra}`;
  });
  throw configInvalid(`${source}: ${problems.join("; ")}`);
}

/** Pipeline files written before appeals existed keep loading: their appeals topic is the default one. */
function withAppealsTopic(doc: unknown): void {
  const topics = (doc as { kafka?: { topics?: Record<string, unknown> } } | null)?.kafka?.topics;
  if (topics && typeof topics === "object" && !("appeals" in topics)) topics.appeals = "modstream.appeals";
}

export function loadPipelineFile(file: string): Pipeline {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw configInvalid(`cannot read pipeline file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw configInvalid(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return parsePipeline(doc, file);
}

export interface ConfigOverrides {
  pipelineFile?: string;
  /** Replace parts of the pipeline (tests isolate topics and prefixes this way). */
  patch?: (p: Pipeline) => Pipeline;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, over: ConfigOverrides = {}): Config {
  const pipelineFile = resolve(over.pipelineFile ?? env.MODSTREAM_PIPELINE ?? DEFAULT_PIPELINE);
  let pipeline = loadPipelineFile(pipelineFile);
  if (env.MODSTREAM_PREFIX) pipeline = { ...pipeline, redis: { ...pipeline.redis, prefix: env.MODSTREAM_PREFIX } };
  if (env.MODSTREAM_METRICS_PORT !== undefined) {
    const port = Number(env.MODSTREAM_METRICS_PORT);
    if (!/^\d+$/.test(env.MODSTREAM_METRICS_PORT) || port > 65535)
      throw configInvalid(
        `MODSTREAM_METRICS_PORT must be a port number (0 = off), got "${env.MODSTREAM_METRICS_PORT}"`,
      );
    pipeline = { ...pipeline, metrics: { host: pipeline.metrics?.host ?? "0.0.0.0", port } };
  }
  if (over.patch) pipeline = parsePipeline(over.patch(structuredClone(pipeline)), pipelineFile);
  const brokers = hostPorts("KAFKA_BROKERS", env.KAFKA_BROKERS ?? "127.0.0.1:19092");
  const redisUrl = env.REDIS_URL ?? "redis://127.0.0.1:16379";
  if (!/^rediss?:\/\//.test(redisUrl)) throw configInvalid(`REDIS_URL must start with redis://, got "${redisUrl}"`);
  const clusterNodes = env.REDIS_CLUSTER_NODES ? hostPorts("REDIS_CLUSTER_NODES", env.REDIS_CLUSTER_NODES) : undefined;
  return deepFreeze({
    pipeline,
    pipelineFile,
    kafkaBrokers: brokers,
    redisUrl,
    redisClusterNodes: clusterNodes,
    logLevel: env.LOG_LEVEL ?? "info",
    externalKafka: env.KAFKA_BROKERS !== undefined,
    externalRedis: env.REDIS_URL !== undefined,
  });
}

/** A comma-separated host:port list from the environment variable `name`. */
function hostPorts(name: string, value: string): string[] {
  const list = value
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0 || list.some((b) => !/^[^:\s]+:\d+$/.test(b)))
    throw configInvalid(`${name} must be host:port[,host:port...], got "${value}"`);
  return list;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
