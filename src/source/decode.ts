// Turns raw Kafka message bytes into a validated Post, Report or Appeal, or a dead-letter reason. Pure.
import { isUtf8 } from "node:buffer";
import sjson from "secure-json-parse";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { Appeal, DeadLetterReason, Post, Report } from "../domain";
import { AppealSchema, PostSchema, ReportSchema } from "./schema";

export type RejectReason = DeadLetterReason;

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: RejectReason; detail: string };

export interface DecodeLimits {
  maxMessageBytes: number;
  maxTextBytes: number;
}

const ajv = new Ajv({ allErrors: false, strict: true });
addFormats(ajv, ["date-time"]);
const validatePost = ajv.compile<Post>(PostSchema);
const validateReport = ajv.compile<Report>(ReportSchema);
const validateAppeal = ajv.compile<Appeal>(AppealSchema);

/** Posts and reports nest three levels; anything past this is refused before JSON.parse. */
const MAX_DEPTH = 32;

/**
 * Whether the JSON text in `bytes` nests objects and arrays deeper than `max`, read without
 * parsing (brackets inside strings do not count). JSON.parse of a value nested 20,000 deep takes
 * about 2 ms, and a schema could only refuse it afterwards.
 */
export function nestsDeeperThan(bytes: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function parse(bytes: Buffer | null, limits: DecodeLimits): Decoded<unknown> {
  if (!bytes || bytes.length === 0) return { ok: false, reason: "empty", detail: "message has no value" };
  if (bytes.length > limits.maxMessageBytes)
    return { ok: false, reason: "too_large", detail: `${bytes.length} bytes > limit ${limits.maxMessageBytes}` };
  if (!isUtf8(bytes)) return { ok: false, reason: "invalid_utf8", detail: "value is not valid UTF-8" };
  if (nestsDeeperThan(bytes, MAX_DEPTH))
    return { ok: false, reason: "schema", detail: `value nests deeper than ${MAX_DEPTH} levels` };
  const text = bytes.toString("utf8");
  try {
    return { ok: true, value: sjson.parse(text, null, { protoAction: "error", constructorAction: "error" }) };
  } catch (err) {
    const msg = (err as Error).message;
    if (/forbidden prototype/i.test(msg))
      return {
        ok: false,
        reason: "prototype_pollution",
        detail: "object has a __proto__ or constructor.prototype key",
      };
    return { ok: false, reason: "not_json", detail: msg.slice(0, 200) };
  }
}

function check<T>(validate: ValidateFunction<T>, value: unknown): Decoded<T> {
  if (validate(value)) return { ok: true, value };
  const e = validate.errors?.[0];
  const extra =
    e?.keyword === "additionalProperties"
      ? ` "${String((e.params as { additionalProperty: string }).additionalProperty)}"`
      : "";
  return { ok: false, reason: "schema", detail: `${e?.instancePath || "/"} ${e?.message ?? "is invalid"}${extra}` };
}

export function decodePost(bytes: Buffer | null, limits: DecodeLimits): Decoded<Post> {
  const parsed = parse(bytes, limits);
  if (!parsed.ok) return parsed;
  const post = check(validatePost, parsed.value);
  if (!post.ok) return post;
  const textBytes = Buffer.byteLength(post.value.text, "utf8");
  if (textBytes > limits.maxTextBytes)
    return { ok: false, reason: "text_too_long", detail: `text is ${textBytes} bytes > limit ${limits.maxTextBytes}` };
  return post;
}

export function decodeReport(bytes: Buffer | null, limits: DecodeLimits): Decoded<Report> {
  const parsed = parse(bytes, limits);
  return parsed.ok ? check(validateReport, parsed.value) : parsed;
}

/**
 * An appeal, or `appeal_invalid` for anything malformed: the detail starts with what the posts
 * decoder would have called it (`not_json: ...`, `schema: /reason must NOT have more than 2000
 * characters`), so every refused appeal carries an appeal_* reason.
 */
export function decodeAppeal(bytes: Buffer | null, limits: DecodeLimits): Decoded<Appeal> {
  const parsed = parse(bytes, limits);
  const appeal = parsed.ok ? check(validateAppeal, parsed.value) : parsed;
  return appeal.ok ? appeal : { ok: false, reason: "appeal_invalid", detail: `${appeal.reason}: ${appeal.detail}` };
}

/** The event times accepted, relative to the broker's timestamp of the message (config.eventTimeBounds). */
export interface TimeBounds {
  maxFutureSkewMs: number;
  maxAgeMs: number;
}

/**
 * A valid createdAt as epoch ms, or time_out_of_range when it is more than maxFutureSkewMs ahead
 * of the broker's timestamp or more than maxAgeMs behind it (or is a date-time the schema allows
 * but Date cannot read, such as a leap second). Measured against the broker's timestamp, not the
 * worker's clock, so a replayed message gets the same verdict every time.
 */
export function checkEventTime(createdAt: string, brokerMs: number, bounds: TimeBounds): Decoded<number> {
  const t = Date.parse(createdAt);
  // Formatted only for a refusal: every message of the stream passes here.
  const broker = () => new Date(brokerMs).toISOString();
  if (Number.isNaN(t))
    return { ok: false, reason: "time_out_of_range", detail: `createdAt ${createdAt} is not a readable time` };
  if (t - brokerMs > bounds.maxFutureSkewMs)
    return {
      ok: false,
      reason: "time_out_of_range",
      detail: `createdAt ${createdAt} is more than ${bounds.maxFutureSkewMs / 1000} s ahead of the broker's timestamp ${broker()}`,
    };
  if (brokerMs - t > bounds.maxAgeMs)
    return {
      ok: false,
      reason: "time_out_of_range",
      detail: `createdAt ${createdAt} is more than ${bounds.maxAgeMs / 1000} s (the retention) before the broker's timestamp ${broker()}`,
    };
  return { ok: true, value: t };
}
