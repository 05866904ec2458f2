// The review worker extension: queues incidents as they open or change grade, queues single posts
// scored above the api section's postMinScore, and audits grade changes, state changes and
// statements from the incidents stage's events.
import type { Extension, WorkerContext } from "./context";
import { apiConfig } from "../config";
import { CATEGORIES, type Category, type IncidentEvent, type ReviewPost } from "../domain";
import { ReviewService, type ReviewServiceOptions } from "../review/queue";

export const reviewExtension: Extension = (ctx: WorkerContext) => Promise.resolve(startReview(ctx));

/** Follows incident events into the queue and the audit log (also used by the API server). */
export function followIncidents(
  review: ReviewService,
  get: (id: string) => Promise<Parameters<ReviewService["enqueueIncident"]>[0]>,
  onError: (err: unknown) => void,
) {
  return (e: IncidentEvent) => {
    const work = async () => {
      if (e.kind === "opened" || e.kind === "regraded" || e.kind === "reopened") {
        const inc = await get(e.incidentId);
        await review.enqueueIncident(inc);
        // Reports against a harmful post (not report-bombing, an attack) raise the post's own item.
        if (inc.source === "reports" && inc.kind === "post" && inc.type !== "attack")
          await review.raisePost(inc.key, inc.grade, `reported by users: incident ${inc.id}`);
      }
      const kind =
        e.kind === "regraded"
          ? "grade"
          : e.kind === "statement"
            ? "statement"
            : e.kind === "state"
              ? "state"
              : undefined;
      if (kind)
        await review.audit.append({
          actor: e.actor,
          kind,
          incidentId: e.incidentId,
          what: e.text ?? `${e.from ?? ""} → ${e.state}`,
          at: e.at,
        });
    };
    work().catch(onError);
  };
}

/** The review queues on the worker's own clients (the review and appeals extensions). */
export function workerReview(ctx: WorkerContext, slaMinutes: ReviewServiceOptions["slaMinutes"]): ReviewService {
  const api = apiConfig(ctx.cfg.pipeline);
  return new ReviewService({
    redis: ctx.redis,
    keys: ctx.keys,
    events: ctx.events,
    slaMinutes,
    leaseSeconds: api.leaseSeconds,
    maxWaiting: api.maxWaiting,
  });
}

function startReview(ctx: WorkerContext): { close(): Promise<void> } {
  const ic = ctx.cfg.pipeline.incidents;
  if (!ic?.enabled) return { close: () => Promise.resolve() };
  const api = apiConfig(ctx.cfg.pipeline);
  const log = ctx.log.child({ component: "review" });
  const review = workerReview(ctx, ic.slaMinutes);
  const incidentKey = (id: string) => ctx.keys.incident(id);
  const getIncident = async (id: string) => {
    const h = await ctx.redis.hgetall(incidentKey(id));
    return {
      id,
      type: h.type,
      grade: Number(h.grade),
      kind: h.kind,
      key: h.key,
      source: h.source,
      openedAt: Number(h.openedAt),
    } as Parameters<ReviewService["enqueueIncident"]>[0];
  };
  const onIncident = followIncidents(review, getIncident, (err) => log.warn({ err }, "review queue update failed"));
  const onEvidence = (e: {
    posts: {
      post: ReviewPostSource;
      score: Record<Category, { score: number; top: { feature: string; weight: number }[] }>;
      tags?: string[];
    }[];
  }) => {
    for (const { post, score, tags } of e.posts) {
      const best = CATEGORIES.reduce((a, c) => (score[c].score > score[a].score ? c : a), CATEGORIES[0]);
      if (score[best].score < api.postMinScore) continue;
      const rp: ReviewPost = {
        id: post.id,
        authorId: post.author.id,
        followers: post.author.followers,
        text: post.text,
        createdAt: post.createdAt,
        scores: Object.fromEntries(CATEGORIES.map((c) => [c, score[c].score])) as Record<Category, number>,
        top: score[best].top.slice(0, 8),
      };
      review
        .enqueuePost({
          post: rp,
          queue: best,
          reason: `${best} score ${score[best].score.toFixed(2)}`,
          // Near-duplicate copies collapse into one item: the post's MinHash band keys.
          bands: (tags ?? []).filter((t) => t.startsWith("{cluster:")),
        })
        .catch((err: unknown) => log.warn({ err }, "queueing a flagged post failed"));
    }
  };
  ctx.events.on("incident", onIncident);
  ctx.events.on("stepEvidence", onEvidence);
  return {
    close() {
      ctx.events.off("incident", onIncident);
      ctx.events.off("stepEvidence", onEvidence);
      return Promise.resolve();
    },
  };
}

interface ReviewPostSource {
  id: string;
  author: { id: string; followers: number };
  text: string;
  createdAt: string;
}
