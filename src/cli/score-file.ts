// `modstream score --file posts.jsonl`: scores a dump of traffic offline, before the stream is
// switched on. Each line is an event-contract post or `{"text": ...}`; each output line is the
// input's line number with every category's score, flag and explanation, or the line's error.
// Bad lines never stop the run. Read and written as streams, so any size of file fits.
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import type { Post, Score } from "../domain";
import type { Scorer } from "../score/scorer";
import { decodePost, type DecodeLimits } from "../source/decode";

export interface ScoreFileOptions {
  file: string;
  /** Where the JSON lines go; stdout when absent. */
  out?: string;
  scorer: Scorer;
  limits: DecodeLimits;
  /** Called with bytes read so far and the file's size. */
  progress?: (done: number, total: number) => void;
}

export interface ScoreFileResult {
  lines: number;
  scored: number;
  errors: number;
  flagged: Record<string, number>;
}

type Parsed = { ok: true; post: Post } | { ok: false; error: string };

/** A post from one line: the full event contract, or just a text (scored as from an ordinary account). */
export function parseLine(line: string, n: number, limits: DecodeLimits): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, error: "not a JSON object" };
  const keys = Object.keys(value);
  if (keys.every((k) => k === "text" || k === "id")) {
    const { text, id } = value as { text?: unknown; id?: unknown };
    if (typeof text !== "string") return { ok: false, error: '"text" must be a string' };
    if (Buffer.byteLength(text, "utf8") > limits.maxTextBytes)
      return { ok: false, error: `text is longer than ${limits.maxTextBytes} bytes` };
    return {
      ok: true,
      post: {
        id: typeof id === "string" ? id : `line-${n}`,
        text,
        createdAt: new Date(0).toISOString(),
        author: { id: "file", followers: 100, accountAgeDays: 365 },
      },
    };
  }
  const decoded = decodePost(Buffer.from(line), limits);
  return decoded.ok ? { ok: true, post: decoded.value } : { ok: false, error: `${decoded.reason}: ${decoded.detail}` };
}

async function write(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) await once(out, "drain");
}

export async function scoreFile(o: ScoreFileOptions): Promise<ScoreFileResult> {
  const total = statSync(o.file).size;
  const out: Writable = o.out ? createWriteStream(o.out) : process.stdout;
  const input = createReadStream(o.file);
  const result: ScoreFileResult = { lines: 0, scored: 0, errors: 0, flagged: {} };
  let batch: { n: number; post: Post }[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const scores: Score[] = o.scorer.scoreBatch(batch.map((b) => b.post));
    let text = "";
    batch.forEach((b, i) => {
      const s = scores[i];
      if (!s) return;
      for (const [c, v] of Object.entries(s)) if (v.flagged) result.flagged[c] = (result.flagged[c] ?? 0) + 1;
      text += JSON.stringify({ line: b.n, id: b.post.id, scores: s }) + "\n";
    });
    result.scored += batch.length;
    batch = [];
    await write(out, text);
    o.progress?.(input.bytesRead, total);
  };
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const n = ++result.lines;
    if (line.trim() === "") continue;
    const parsed = parseLine(line, n, o.limits);
    if (parsed.ok) batch.push({ n, post: parsed.post });
    else {
      result.errors++;
      await flush(); // keep the output in input order
      await write(out, JSON.stringify({ line: n, error: parsed.error }) + "\n");
    }
    if (batch.length >= 512) await flush();
  }
  await flush();
  o.progress?.(total, total);
  if (o.out) {
    out.end();
    await once(out, "finish");
  }
  return result;
}
