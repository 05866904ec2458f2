// What a moderator reads, against the real Redis: titles from readable keys (never a band hash),
// summaries, steady grades (escalate at once, one step down only after the quiet period, the
// reason on the timeline), report floods judged by what was reported, harassment by many
// accounts at least III, and one cluster identity across MinHash bands.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisClient } from "../../src/redis/client";
import type { Post, Report, Score, Spike } from "../../src/domain";
import { Events } from "../../src/events";
import { recordEvidence } from "../../src/incidents/evidence";
import { IncidentService } from "../../src/incidents/service";
import { foldText, representativeText, titleOf } from "../../src/incidents/title";
import { renderShow } from "../../src/incidents/show";
import { Keys } from "../../src/keys";
import { ClusterIdentity } from "../../src/worker/clusters";
import { StreamClock } from "../../src/worker/stream-clock";
import { cleanRedis, isolatedConfig, redisClient } from "../helpers/env";

const cfg = isolatedConfig("modview", (p) => ({
  ...p,
  incidents: { ...p.incidents!, downgradeQuietSeconds: 60, reports: { ...p.incidents!.reports, minReporters: 5 } },
}));
const keys = new Keys(cfg.pipeline.redis.prefix);
let redis: RedisClient;
let clock = Date.now();
const service = () =>
  new IncidentService({ redis, keys, pipeline: cfg.pipeline, events: new Events(), now: () => clock });

beforeAll(() => {
  redis = redisClient(cfg);
});
afterAll(async () => {
  await cleanRedis(redis, cfg);
  redis.disconnect();
});

const score = (abuse: number): Score =>
  Object.fromEntries(
    (["rumour", "abuse", "attack", "data_leak"] as const).map((c) => [
      c,
      { score: c === "abuse" ? abuse : 0.01, flagged: c === "abuse" && abuse > 0.5, top: [] },
    ]),
  ) as unknown as Score;

const post = (i: number, text: string, extra: Partial<Post> = {}): Post => ({
  id: `mv-${i}`,
  author: { id: `acct-${i}`, followers: 100, accountAgeDays: i % 2 ? 1 : 400 },
  text,
  createdAt: new Date(clock - 5000 + i).toISOString(),
  ...extra,
});

const spike = (over: Partial<Spike>): Spike => ({
  type: "abuse",
  category: "abuse",
  kind: "cluster",
  key: "0:abcdef12",
  evidence: 9,
  flagged: 12,
  posts: 12,
  authors: 12,
  expected: 0.6,
  reason: "test",
  windowStart: clock - 30_000,
  detectedAt: clock,
  ...over,
});

describe("titles and summaries", () => {
  it("folds copies together and never titles with a band hash", () => {
    expect(foldText("Claim at http://x.example/a?ref=1 NOW!!")).toBe(foldText("claim at http://x.example/b?ref=2 now"));
    expect(representativeText([{ text: "a b c!" }, { text: "A b c" }, { text: "other" }])).toBe("a b c!");
    const t = titleOf({ type: "rumour", kind: "cluster", key: "0:1ee3375a", text: "紧急扩散！水厂投毒" });
    expect(t).toBe("Rumour: “紧急扩散！水厂投毒”");
    expect(titleOf({ type: "attack", kind: "cluster", key: "3:0eea1cef" })).not.toMatch(/0eea1cef/);
  });

  it("an incident opened on a band is titled by its mention target and text, with a summary", async () => {
    const s = service();
    const target = `victim${clock}`;
    const posts = Array.from({ length: 12 }, (_, i) =>
      post(i, `@${target} you are a worthless idiot`, { mentions: [target] }),
    );
    const tags = (p: Post) => [
      keys.tag("cluster", "0:abcdef12"),
      keys.tag("mention", target),
      keys.tag("author", p.author.id),
    ];
    await recordEvidence(
      { redis, keys, store: s.store, perKey: 20, bucketSeconds: 10, retentionSeconds: 600 },
      { posts: posts.map((p) => ({ post: p, score: score(0.95), tags: tags(p) })), reports: [] },
    );
    const r = await s.applySpike(spike({}), `${clock}-1`);
    const inc = await s.get(r.id);
    expect(inc.title).toBe(`Harassment on @${target}: “@${target} you are a worthless idiot”`);
    expect(inc.summary).toMatchObject({
      accounts: 12,
      newAccounts: 6,
      reach: 1200,
      text: `@${target} you are a worthless idiot`,
    });
    // Harassment by many accounts is never routine operations.
    expect(inc.grade).toBeLessThanOrEqual(3);
    const listed = await s.list({ q: target });
    expect(listed.map((i) => i.id)).toEqual([r.id]);
    expect(await s.list({ q: target, grade: inc.grade === 1 ? 2 : 1 })).toEqual([]);
    const text = renderShow({
      incident: inc,
      timeline: await s.timeline(r.id),
      evidence: await s.store.evidence(r.id),
      respondBy: s.respondBy(inc),
    });
    expect(text.split("\n")[0]).toBe(inc.title);
    expect(text).toMatch(/accounts {6}12 \(6 new\)/);
    expect(text).toMatch(/top evidence/);
  });
});

describe("steady grades", () => {
  it("escalates at once, ignores a calm refresh, steps down one grade after the quiet period", async () => {
    const s = service();
    const r = await s.open({
      type: "rumour",
      source: "spike",
      kind: "hashtag",
      key: `steady${clock}`,
      tag: keys.tag("hashtag", `steady${clock}`),
      ref: `steady-${clock}`,
      figures: { flagged: 12, posts: 12, perMinute: 24, authors: 10, reach: 2000, confidence: 8, growth: 12 },
      firstEvidenceAt: clock,
      text: "t",
    });
    const g0 = (await s.get(r.id)).grade;
    const big = { flagged: 300, posts: 300, perMinute: 600, authors: 200, reach: 200_000, confidence: 30, growth: 12 };
    await s.regrade(r.id, big);
    const g1 = (await s.get(r.id)).grade;
    expect(g1).toBeLessThan(g0);
    const calm = { flagged: 1, posts: 1, perMinute: 2, authors: 1, reach: 10, confidence: 0, growth: 0.1 };
    await s.regrade(r.id, calm);
    await s.settle(r.id, calm);
    expect((await s.get(r.id)).grade).toBe(g1);
    clock += 61_000;
    await s.settle(r.id, calm);
    expect((await s.get(r.id)).grade).toBe(g1 + 1);
    await s.settle(r.id, calm);
    expect((await s.get(r.id)).grade).toBe(g1 + 1);
    const texts = (await s.timeline(r.id)).filter((e) => e.kind === "regraded").map((e) => e.text);
    expect(texts).toEqual([
      expect.stringMatching(/escalated as it grew/),
      expect.stringMatching(/quiet for 61s.*one step down/),
    ]);
  });
});

describe("report floods", () => {
  it("against a harmless post: one attack incident on the reporters, no abuse against the target", async () => {
    const s = service();
    const harmless = `bread${clock}`;
    const bs = cfg.pipeline.windows.bucketSeconds;
    const reports: Report[] = Array.from({ length: 8 }, (_, i) => ({
      id: `r${i}`,
      reporterId: `reporter${i}`,
      postId: harmless,
      targetAuthorId: `baker${clock}`,
      reason: "abuse",
      createdAt: new Date(clock).toISOString(),
    }));
    await recordEvidence(
      { redis, keys, store: s.store, perKey: 20, bucketSeconds: bs, retentionSeconds: 600 },
      { posts: [], reports },
    );
    // The pipeline fills each reported key's HyperLogLog with its reporters.
    const bucket = Math.floor(clock / 1000 / bs) * bs;
    for (const t of [keys.tag("post", harmless), keys.tag("author", `baker${clock}`)])
      await redis.pfadd(keys.authors(t, bucket), ...reports.map((r) => r.reporterId));
    const opened = await s.scanReports();
    const incs = await Promise.all([...new Set(opened.map((o) => o.id))].map((id) => s.get(id)));
    expect(incs.map((i) => i.type)).toEqual(["attack"]);
    expect(incs[0]?.title).toMatch(/report-bombing/);
    expect(incs[0]?.summary.accounts).toBe(8);
  });
});

describe("one cluster identity", () => {
  it("resolves the bands of one near-duplicate cluster to its first band", async () => {
    const ids = new ClusterIdentity(redis, keys);
    const s = service();
    const bands = ["0:aaaa0001", "1:bbbb0002", "2:cccc0003", "3:dddd0004"];
    const posts = Array.from({ length: 8 }, (_, i) => post(100 + i, "same text"));
    await recordEvidence(
      { redis, keys, store: s.store, perKey: 20, bucketSeconds: 10, retentionSeconds: 600 },
      {
        posts: posts.map((p) => ({ post: p, score: score(0.9), tags: bands.map((b) => keys.tag("cluster", b)) })),
        reports: [],
      },
    );
    const resolved = [];
    for (const b of [bands[2]!, bands[0]!, bands[3]!, bands[1]!]) resolved.push(await ids.resolve(b, clock));
    expect(new Set(resolved)).toEqual(new Set([bands[2]]));
  });
});

describe("stream time", () => {
  it("follows the latest applied event time, and reports the windows late posts landed in", async () => {
    let wall = 1_800_000_000_000;
    const clock = new StreamClock({
      redis,
      keys,
      worker: "w1",
      bucketSeconds: 10,
      lateMs: 30_000,
      idleMs: 20_000,
      wall: () => wall,
    });
    clock.observe([wall - 2000, wall - 1500]);
    await clock.flush();
    expect(await clock.now()).toBe(wall - 1500);
    // A backlog: posts written 90 s ago arrive now.
    clock.observe([wall - 96_000, wall - 95_000, wall - 81_000]);
    await clock.flush();
    expect(await clock.lateTimes(5000)).toEqual([wall - 81_000, wall - 95_000]);
    expect(await clock.now()).toBe(wall - 1500);
    // Nothing applied for longer than idleMs: the stream is idle and ages with the wall clock.
    wall += 25_000;
    expect(await clock.now()).toBe(wall);
  });
});
