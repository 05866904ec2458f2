// Classification metrics as the sources report them.

export interface ClassReport {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export function classReport(gold: ArrayLike<number>, pred: ArrayLike<number>, cls: number): ClassReport {
  let tp = 0,
    fp = 0,
    fn = 0,
    support = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i] === cls,
      p = pred[i] === cls;
    if (g) support++;
    if (g && p) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support };
}

export function accuracy(gold: ArrayLike<number>, pred: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === pred[i]) ok++;
  return gold.length > 0 ? ok / gold.length : 0;
}

/** Support-weighted average F1 over classes (scikit-learn's "weighted avg"). */
export function weightedF1(gold: ArrayLike<number>, pred: ArrayLike<number>, classes: number): number {
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const r = classReport(gold, pred, c);
    sum += r.f1 * r.support;
  }
  return gold.length > 0 ? sum / gold.length : 0;
}

export function macroF1(gold: ArrayLike<number>, pred: ArrayLike<number>, classes: number): number {
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += classReport(gold, pred, c).f1;
  return sum / classes;
}

/** Binary predictions from probabilities at a threshold. */
export function threshold(probs: ArrayLike<number>, t: number): Int32Array {
  const out = new Int32Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = (probs[i] ?? 0) >= t ? 1 : 0;
  return out;
}

/** The threshold in a grid that maximises `score` on held-out data. */
export function bestThreshold(
  probs: ArrayLike<number>,
  gold: ArrayLike<number>,
  score: (gold: ArrayLike<number>, pred: Int32Array) => number,
): number {
  let best = 0.5,
    bestScore = -1;
  for (let t = 0.05; t < 0.951; t += 0.01) {
    const s = score(gold, threshold(probs, t));
    if (s > bestScore) [best, bestScore] = [Math.round(t * 100) / 100, s];
  }
  return best;
}

/** Area under the ROC curve (ties count half): how well `scores` rank positives above negatives. */
export function auc(scores: ArrayLike<number>, gold: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
  let pos = 0,
    rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (gold[idx[k] as number] === 1) {
        pos++;
        rankSum += rank;
      }
    i = j + 1;
  }
  const neg = idx.length - pos;
  return pos > 0 && neg > 0 ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : NaN;
}

/** The value below which a share `q` of `values` lies (nearest rank). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))] ?? NaN;
}
