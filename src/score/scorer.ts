// The Scorer port and its tfjs-model implementation: normalise → route by script → hashed
// features once per post → the fast stage of both models (one fused table) → for the few
// posts that reach a model's escalation bar, its second stage → rule signals → a Score with
// explanations quoted from the post's own text.
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CategoryScore, Contribution, Post, Score } from "../domain";
import { cascadeScore, fastProbability, logit, withCues } from "./cascade";
import { MAX_TOP, namedContributions } from "./explain";
import { FusedPair, makeSelection } from "./fused";
import { extractFeatures, type FeatureSink, type Lang, makeSink } from "./features";
import { FEATURES } from "./manifest";
import { type LoadedModel, type LoadedModels, loadModels } from "./models";
import { prepare, routeLang } from "./prepare";
import { attackSignals, cueLogOdds, dataLeakSignals, insultSignals, noisyOr, urgencySignals } from "./rules";

export interface Scorer {
  /** Scores posts in order; `normalised[i]`, when given, must be normalise(posts[i].text). */
  scoreBatch(posts: Post[], normalised?: string[]): Score[];
}

/** models/ at the repository root, found from this file so any working directory works. */
export function defaultModelsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../models");
}

/** Rule-only categories flag at even odds. */
const RULE_THRESHOLD = 0.5;
/** Model features are explained from this score (or the flag threshold if lower). */
export const EXPLAIN_FROM = 0.5;

/** Each feature weighs 1/sqrt(count), as in training (src/train/encode.ts). */
function featureWeight(count: number): number {
  return count > 0 ? 1 / Math.sqrt(count) : 0;
}

interface LangModels {
  lang: Lang;
  abuse: LoadedModel;
  rumour: LoadedModel;
  fused: FusedPair;
  sink: FeatureSink;
}

export class ModelScorer implements Scorer {
  private readonly byLang: Record<Lang, LangModels>;
  private readonly la = new Float64Array(4);
  private readonly lr = new Float64Array(4);
  private readonly sel = makeSelection(MAX_TOP);
  /** Model runs so far, and how many reached a second stage (for `bench score`). */
  readonly cascade = { runs: 0, escalated: 0 };

  /** `secondStage: false` scores with the fast stage alone (benchmarks compare the two). */
  constructor(
    readonly loaded: LoadedModels,
    private readonly opts: { secondStage?: boolean } = {},
  ) {
    const m = loaded.models;
    const lang = (l: Lang, abuse: LoadedModel, rumour: LoadedModel): LangModels => ({
      lang: l,
      abuse,
      rumour,
      fused: new FusedPair(abuse.linear, rumour.linear, abuse.entry.fast.direction, rumour.entry.fast.direction),
      sink: makeSink(FEATURES[l]),
    });
    this.byLang = { en: lang("en", m["abuse-en"], m["rumour-en"]), zh: lang("zh", m["abuse-zh"], m["rumour-zh"]) };
  }

  static async load(modelsDir = defaultModelsDir()): Promise<ModelScorer> {
    return new ModelScorer(await loadModels(modelsDir));
  }

  /** Both models of a language in their fused table (for benchmarks that time a stage alone). */
  fusedPair(lang: Lang): FusedPair {
    return this.byLang[lang].fused;
  }

  scoreBatch(posts: Post[], normalised?: string[]): Score[] {
    return posts.map((p, i) => this.score(p, normalised?.[i]));
  }

  score(post: Post, normalised?: string): Score {
    const text = prepare(post.text, normalised);
    const l = this.byLang[routeLang(text)];
    extractFeatures(text, FEATURES[l.lang], l.sink);
    const w = featureWeight(l.sink.n);
    l.fused.run(l.sink, w, this.la, this.lr);
    const attack = attackSignals(post);
    const leak = dataLeakSignals(post.text);
    return {
      abuse: this.model(post.text, l, l.abuse, this.la, w, 0, insultSignals(text)),
      rumour: this.model(post.text, l, l.rumour, this.lr, w, 1, urgencySignals(text)),
      attack: ruleScore(attack),
      data_leak: ruleScore(leak),
    };
  }

  /**
   * The cascade's score, raised by any cues (rumour cues, explicit insults; log-odds); flagged at the model's stream
   * threshold. Model features are explained only when the score reaches that threshold or even
   * odds, whichever is lower: nobody reads why a post is unremarkable, and explaining cost ~15% of
   * scoring time when done for every post (--cpu-prof). Rule hits are always listed.
   */
  private model(
    original: string,
    l: LangModels,
    m: LoadedModel,
    logits: Float64Array,
    weight: number,
    which: 0 | 1,
    rules: Contribution[],
  ): CategoryScore {
    const { linear, entry } = m;
    linear.activate(logits);
    const fast = fastProbability(linear, logits);
    this.cascade.runs++;
    const model =
      this.opts.secondStage === false
        ? fast
        : cascadeScore(fast, entry.escalateAt, () => {
            this.cascade.escalated++;
            return m.second.prob(l.sink, weight, logit(fast));
          });
    const score = rules.length > 0 ? withCues(model, cueLogOdds(rules)) : model;
    const top = rules.length > 0 ? rules.slice(0, MAX_TOP) : [];
    if (top.length < MAX_TOP && score >= Math.min(entry.flagAt, EXPLAIN_FROM)) {
      const k = l.fused.top(l.sink, weight, which, MAX_TOP - top.length, this.sel);
      top.push(...namedContributions(original, l.sink, this.sel, k));
      // Cues and features both weigh log-odds: one ranking, strongest first.
      top.sort((a, b) => b.weight - a.weight);
    }
    return { score, flagged: score >= entry.flagAt, top };
  }
}

function ruleScore(hits: Contribution[]): CategoryScore {
  const score = noisyOr(hits);
  return { score, flagged: score >= RULE_THRESHOLD, top: hits.slice(0, MAX_TOP) };
}
