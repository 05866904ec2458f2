// Near-duplicate text clusters by MinHash banding over character n-grams. Pure.
//
// Two texts with shingle-set Jaccard similarity J share a band (R minimum hashes in a row) with
// probability J^R, and at least one of B bands with 1 - (1 - J^R)^B. With R = 3, B = 4: a copy
// with light edits (J ≈ 0.8) lands in a shared band key 94% of the time, two posts that merely
// share a topic (J ≈ 0.1) 0.4% of the time. Counting posts per band key therefore gathers a
// rumour and its edited copies under one key. (SimHash was tried first: on 40-80 character posts
// a few edited characters flipped 11-13 of 64 bits, too many for banding.)

export const BANDS = 4;
export const ROWS = 3;
/** Texts shorter than this carry too little to cluster ("lol" would match everything). */
export const MIN_CLUSTER_CHARS = 12;

const K = BANDS * ROWS;
// Odd multipliers and offsets of K universal hash functions h_i(x) = a_i * x + b_i (mod 2^32).
const A = Uint32Array.from({ length: K }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0);
const B = Uint32Array.from({ length: K }, (_, i) => Math.imul(i + 7, 0x85ebca6b) >>> 0);
const mins = new Uint32Array(K);

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Band keys ("0:1a2b3c4d", ...) of a normalised text; empty when too short to cluster. */
export function clusterBands(text: string): string[] {
  const s = text.replace(/\s+/g, "");
  if (s.length < MIN_CLUSTER_CHARS) return [];
  mins.fill(0xffffffff);
  // Chinese packs a word into two characters: bigrams there, trigrams elsewhere.
  const n = s.charCodeAt(0) >= 0x2e80 || s.charCodeAt(s.length >> 1) >= 0x2e80 ? 2 : 3;
  for (let i = 0; i + n <= s.length; i++) {
    let x = Math.imul(s.charCodeAt(i), 0x10001) + Math.imul(s.charCodeAt(i + 1), 0x101);
    if (n === 3) x += s.charCodeAt(i + 2);
    x = mix(x >>> 0);
    for (let k = 0; k < K; k++) {
      let h = Math.imul(A[k] as number, x ^ (B[k] as number));
      h = (h ^ (h >>> 15)) >>> 0;
      if (h < (mins[k] as number)) mins[k] = h;
    }
  }
  const bands: string[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h = 0x811c9dc5;
    for (let r = 0; r < ROWS; r++) h = mix((h ^ (mins[b * ROWS + r] as number)) >>> 0);
    bands.push(`${b}:${h.toString(16).padStart(8, "0")}`);
  }
  return bands;
}
