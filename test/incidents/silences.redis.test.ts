// Silences and inhibition against the real Redis: a silence on a key, a key kind or a type stops
// matching spikes and report floods from opening or extending anything, is recorded and counted
// once per reference, ends by itself or early, and is read back by a fresh client; a live grade I
// or II incident on a key inhibits a new lower-grade one on the same key until it is resolved.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Spike, SuppressedOpening } from "../../src/domain";
import { Events } from "../../src/events";
import { IncidentService } from "../../src/incidents/service";
import { parseDuration, Silences } from "../../src/incidents/silences";
import { Keys } from "../../src/keys";
import type { RedisClient } from "../../src/redis/client";
import { normaliseKey } from "../../src/windows/keyset";
import { cleanRedis, isolatedConfig, redisClient } from "../helpers/env";
import { GRAVE_FIGURES, testSpike } from "../helpers/spikes";

const cfg = isolatedConfig("silences");
const keys = new Keys(cfg.pipeline.redis.prefix);
let redis: RedisClient;
let clock = Date.now();
const now = () => clock;
const events = new Events();
const suppressed: SuppressedOpening[] = [];
const audited: { kind: string; what: string; why?: string }[] = [];

beforeAll(() => {
  redis = redisClient(cfg);
  events.on("suppressed", (s) => suppressed.push(s));
});
afterAll(async () => {
  await cleanRedis(redis, cfg);
  redis.disconnect();
});

const service = () => new IncidentService({ redis, keys, pipeline: cfg.pipeline, events, now });
const silences = (client = redis) =>
  new Silences({
    redis: client,
    keys,
    normaliseKey,
    now,
    audit: async (e) => void audited.push(e),
  });

const spike = (key: string, over: Partial<Spike> = {}) => testSpike(key, over, clock);

describe("silences", () => {
  it("refuses a silence without a matcher, a reason or a sane duration", async () => {
    const s = silences();
    await expect(s.add({ for: "1h", reason: "x" }, "lena")).rejects.toThrow(/matches a key/);
    await expect(s.add({ kind: "hashtag", key: "#a", for: "1h", reason: "  " }, "lena")).rejects.toThrow(/reason/);
    await expect(s.add({ key: "#a", for: "1h", reason: "r" }, "lena")).rejects.toThrow(/needs its kind/);
    await expect(s.add({ kind: "colour", for: "1h", reason: "r" }, "lena")).rejects.toThrow(/kind must be/);
    await expect(s.add({ type: "gossip", for: "1h", reason: "r" }, "lena")).rejects.toThrow(/type must be/);
    await expect(s.add({ type: "rumour", for: "31d", reason: "r" }, "lena")).rejects.toThrow(/30 days/);
    await expect(s.add({ type: "rumour", for: "soon", reason: "r" }, "lena")).rejects.toThrow(/not like 30m/);
    await expect(s.add({ type: "rumour", for: "0m", reason: "r" }, "lena")).rejects.toThrow(/zero/);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("30d")).toBe(30 * 86_400_000);
    expect(await s.list({ all: true })).toEqual([]);
  });

  it("a silenced key opens and extends nothing, is recorded once per spike, and other keys still open", async () => {
    const inc = service();
    const s = silences();
    // Extends nothing: an incident already open on the key gets no new evidence while silenced.
    const before = await inc.applySpike(spike("quietkey"), "q-0");
    expect(before.outcome).toBe("opened");
    // Typed as a person would: "#QuietKey" is the windows' "quietkey".
    const sil = await s.add({ kind: "hashtag", key: "#QuietKey", for: "2h", reason: "known campaign" }, "lena");
    expect(sil).toMatchObject({ matcher: { kind: "hashtag", key: "quietkey" }, createdBy: "lena" });
    expect(sil.endsAt - sil.createdAt).toBe(7_200_000);

    const r = await inc.applySpike(spike("quietkey"), "q-1");
    expect(r).toMatchObject({ outcome: "silenced", id: sil.id });
    expect((await inc.timeline(before.id)).map((e) => e.kind)).toEqual(["opened"]);
    // The same spike again (a replay) is recorded and counted once.
    expect((await inc.applySpike(spike("quietkey"), "q-1")).outcome).toBe("silenced");
    const mine = (await s.suppressed()).filter((x) => x.key === "quietkey");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ reason: "silenced", silenceId: sil.id, ref: "q-1", type: "rumour" });
    expect(suppressed.filter((x) => x.ref === "q-1")).toHaveLength(1);
    // Another type on the same key is silenced too (the matcher names no type); another key is not.
    expect((await inc.applySpike(spike("quietkey", { type: "abuse", category: "abuse" }), "q-2")).outcome).toBe(
      "silenced",
    );
    expect((await inc.applySpike(spike("loudkey"), "l-1")).outcome).toBe("opened");

    // Ends by itself: two hours later the key opens again.
    clock += 7_200_001;
    expect(await s.list()).toEqual([]);
    expect((await s.list({ all: true })).map((x) => x.id)).toContain(sil.id);
    expect((await inc.applySpike(spike("quietkey", { type: "abuse", category: "abuse" }), "q-3")).outcome).toBe(
      "opened",
    );
  });

  it("a key silence also silences a spike whose posts carry the key (a text band of the same burst)", async () => {
    const inc = service();
    const s = silences();
    await s.add({ kind: "hashtag", key: "bandtag", for: "1h", reason: "drill" }, "lena");
    const band = keys.tag("cluster", "2:abcd1234");
    const sample = Array.from({ length: 4 }, (_, i) => ({
      id: `bp${i}`,
      authorId: `u${i}`,
      followers: 1,
      text: "same text",
      createdAt: new Date(clock).toISOString(),
      scores: { rumour: 0.9, abuse: 0, attack: 0, data_leak: 0 },
      tags: [keys.tag("hashtag", "bandtag"), band],
    }));
    for (const p of sample) await redis.hset(keys.evidenceSample(band), `p${p.id}`, JSON.stringify(p));
    const r = await inc.applySpike(spike("2:abcd1234", { kind: "cluster" }), "band-1");
    expect(r.outcome).toBe("silenced");
  });

  it("silences a type or a kind, and one expired early stops applying at once", async () => {
    const inc = service();
    const s = silences();
    const byType = await s.add({ type: "attack", for: "30m", reason: "load test" }, "lena");
    const r = await inc.applySpike(
      spike("spam.example", { type: "attack", category: "attack", kind: "domain" }),
      "t-1",
    );
    expect(r).toMatchObject({ outcome: "silenced", id: byType.id });
    expect((await inc.applySpike(spike("spam.example"), "t-2")).outcome).toBe("opened");

    // A silence set by another client (an API server) just before the spike wins.
    const other = redisClient(cfg);
    const byKind = await silences(other)
      .add({ kind: "mention", type: "abuse", for: "30m", reason: "match day" }, "lena")
      .finally(() => other.disconnect());
    const pile = spike("some_target", { type: "abuse", category: "abuse", kind: "mention" });
    expect((await inc.applySpike(pile, "k-1")).outcome).toBe("silenced");
    expect((await s.list()).map((x) => x.id)).toEqual(expect.arrayContaining([byType.id, byKind.id]));

    const ended = await s.expire(byKind.id, "mo");
    expect(ended).toMatchObject({ expiredBy: "mo", expiredAt: clock });
    await expect(s.expire(byKind.id, "mo")).rejects.toThrow(/already ended/);
    await expect(s.expire("SIL-0000000000", "mo")).rejects.toThrow(/not found/);
    expect((await inc.applySpike(pile, "k-2")).outcome).toBe("opened");
    const active = (await s.list()).map((x) => x.id);
    expect(active).toContain(byType.id);
    expect(active).not.toContain(byKind.id);
    expect(audited.map((a) => a.kind)).toContain("silence_expire");
    expect(audited.find((a) => a.kind === "silence_add" && a.why === "match day")?.what).toContain(
      "every mention key (abuse only)",
    );
  });

  it("survives a new client: stored with its expiry a week after it ends", async () => {
    const s = await silences().add(
      { kind: "url", key: "https://www.Example.com/a/?utm_source=x", for: "1d", reason: "r" },
      "lena",
    );
    expect(s.matcher.key).toBe("example.com/a");
    const fresh = redisClient(cfg);
    try {
      expect(await silences(fresh).get(s.id)).toEqual(s);
      const expiresAt = await fresh.pexpiretime(keys.silence(s.id));
      expect(expiresAt).toBe(s.endsAt + 7 * 86_400_000);
    } finally {
      fresh.disconnect();
    }
  });
});

describe("report floods", () => {
  it("a silenced post's report flood opens nothing; another post's does", async () => {
    const inc = service();
    await silences().add({ kind: "post", key: "p-quiet", for: "1h", reason: "reviewed: satire" }, "lena");
    const bs = cfg.pipeline.windows.bucketSeconds;
    const bucket = Math.floor(clock / 1000 / bs) * bs;
    const hour = Math.floor(clock / 3_600_000);
    for (const id of ["p-quiet", "p-loud"]) {
      const tag = keys.tag("post", id);
      await redis.zadd(keys.reported(bucket), 25, `abuse|${tag}`);
      await redis.pfadd(keys.authors(tag, bucket), ...Array.from({ length: 25 }, (_, i) => `reporter-${i}`));
      // Harmful by the models, so the flood is abuse on the post, not report-bombing.
      await redis.hset(keys.flaggedScores(hour), tag, "0.95");
    }
    const results = await inc.scanReports();
    expect(results.map((r) => r.outcome).sort()).toEqual(["opened", "silenced"]);
    expect(await inc.ownerOf("abuse", keys.tag("post", "p-quiet"))).toBeUndefined();
    expect(await inc.ownerOf("abuse", keys.tag("post", "p-loud"))).toMatchObject({ source: "reports", key: "p-loud" });
    // The next scan (same flood, same period) records nothing new.
    await inc.scanReports();
    const quiet = (await silences().suppressed()).filter((x) => x.key === "p-quiet");
    expect(quiet).toEqual([expect.objectContaining({ reason: "silenced", source: "reports", type: "abuse" })]);
  });
});

describe("inhibition", () => {
  it("a live grade I or II incident on a key inhibits a new lower-grade incident of another type there", async () => {
    const inc = service();
    const big = await inc.open({
      type: "abuse",
      source: "manual",
      kind: "hashtag",
      key: "riot",
      tag: keys.tag("hashtag", "riot"),
      ref: "inh-big",
      figures: GRAVE_FIGURES,
      firstEvidenceAt: clock - 60_000,
      text: "a pile-on",
    });
    const inhibitor = await inc.get(big.id);
    expect(inhibitor.grade).toBeLessThanOrEqual(2);

    const small = spike("riot");
    const r = await inc.applySpike(small, "inh-1");
    expect(r).toMatchObject({ outcome: "inhibited", id: big.id });
    expect(r.suppressed).toMatchObject({ reason: "inhibited", incidentId: big.id, type: "rumour", kind: "hashtag" });
    expect(r.suppressed!.grade).toBeGreaterThanOrEqual(3);
    expect(await inc.ownerOf("rumour", keys.tag("hashtag", "riot"))).toBeUndefined();
    expect(suppressed.filter((x) => x.reason === "inhibited" && x.ref === "inh-1")).toHaveLength(1);

    // The same key's grave incident is unaffected: a spike of its own type extends it.
    expect(await inc.applySpike(spike("riot", { type: "abuse", category: "abuse" }), "inh-2")).toEqual({
      outcome: "extended",
      id: big.id,
    });
    // A grave new incident is not inhibited.
    const grave = await inc.open({
      type: "data_leak",
      source: "manual",
      kind: "hashtag",
      key: "riot",
      tag: keys.tag("hashtag", "riot"),
      ref: "inh-grave",
      figures: GRAVE_FIGURES,
      firstEvidenceAt: clock - 60_000,
      text: "a leak",
    });
    expect(grave.outcome).toBe("opened");

    expect((await inc.applySpike(small, "inh-3")).id).toBe(big.id);
    // Once the grave incidents are resolved, the smaller one opens.
    await inc.transition(big.id, "resolved", { actor: "lena", note: "handled" });
    expect((await inc.applySpike(small, "inh-4")).id).toBe(grave.id);
    await inc.transition(grave.id, "resolved", { actor: "lena", note: "handled" });
    expect((await inc.applySpike(small, "inh-5")).outcome).toBe("opened");
  });
});
