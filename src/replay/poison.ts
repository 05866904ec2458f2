// Poison messages for fault tests and the poison benchmark: one of every kind the decoder refuses
// (each dead-letter reason), plus deeply nested JSON and huge numbers.
import type { Message } from "kafkajs";
import type { Config } from "../config";
import { DEAD_LETTER_REASONS, type DeadLetterReason } from "../domain";
import { mulberry32 } from "../random";

export const POISON_KINDS = [...DEAD_LETTER_REASONS, "deep_nesting", "huge_number"] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

/** The dead-letter reason each kind must get (deep nesting and huge numbers fail the schema). */
export const REASON: Record<PoisonKind, DeadLetterReason> = {
  ...(Object.fromEntries(DEAD_LETTER_REASONS.map((r) => [r, r])) as Record<DeadLetterReason, DeadLetterReason>),
  deep_nesting: "schema",
  huge_number: "schema",
};

/** The i-th poison message (kinds in turn), keyed `poison-<kind>-<tag>-<i>` so the dead letter names it. */
export function poison(i: number, tag: string, limits: Config["pipeline"]["limits"]): Message {
  const kind = POISON_KINDS[i % POISON_KINDS.length] as PoisonKind;
  const r = mulberry32(i + 1);
  const good = {
    id: `poison-${tag}-${i}`,
    author: { id: `pa${i}`, followers: 10, accountAgeDays: 100 },
    text: "an ordinary post",
    createdAt: new Date().toISOString(),
  };
  const json = JSON.stringify(good);
  const depth = 1000 + Math.floor(r() * 9000);
  const value = ((): Buffer | null => {
    switch (kind) {
      case "empty":
        return null;
      case "too_large":
        return Buffer.from(JSON.stringify({ ...good, text: "x".repeat(limits.maxMessageBytes + 10) }));
      case "invalid_utf8":
        return Buffer.concat([Buffer.from(json.slice(0, 40)), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}')]);
      case "not_json":
        return Buffer.from(json.slice(0, 10 + Math.floor(r() * (json.length - 12))));
      case "prototype_pollution":
        return Buffer.from(json.replace("{", '{"__proto__":{"isAdmin":true},'));
      case "schema":
        return Buffer.from(JSON.stringify({ ...good, author: { id: good.author.id }, extra: true }));
      case "text_too_long":
        return Buffer.from(JSON.stringify({ ...good, text: "长".repeat(Math.ceil(limits.maxTextBytes / 3) + 5) }));
      case "time_out_of_range":
        return Buffer.from(
          JSON.stringify({ ...good, createdAt: i % 2 === 0 ? "9999-12-31T23:59:59Z" : "0001-01-01T00:00:00Z" }),
        );
      case "deep_nesting":
        // Arrays nested thousands deep at the top, or objects nested inside an allowed field.
        return Buffer.from(
          i % 2 === 0
            ? "[".repeat(depth) + "]".repeat(depth)
            : json.replace('"text"', `"author2":${'{"a":'.repeat(depth >> 2)}1${"}".repeat(depth >> 2)},"text"`),
        );
      case "huge_number":
        return Buffer.from(json.replace('"followers":10', `"followers":${i % 2 === 0 ? "9".repeat(400) : "1e999999"}`));
    }
  })();
  return { key: `poison-${kind}-${tag}-${i}`, value };
}

export const poisonKindOf = (key: string) => key.split("-")[1] as PoisonKind;
