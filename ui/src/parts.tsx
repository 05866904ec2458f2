// Small pieces both views use: grade badges, SLA timers, the sparkline, a post, a group of copies.
// Untrusted text (posts, keys, titles) is only ever a JSX child or an attribute value, which
// Preact sets as a text node or with setAttribute; nothing here sets HTML.
import { useEffect, useState } from "preact/hooks";
import type { ItemGroup, ReviewPost } from "./api";
import { countdown, numeral } from "./format";

const ticking = new Set<() => void>();
setInterval(() => ticking.forEach((f) => f()), 1000);

/** The time, re-read every second by whoever shows a countdown. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const f = () => setNow(Date.now());
    ticking.add(f);
    return () => void ticking.delete(f);
  }, []);
  return now;
}

export function GradeBadge({ grade }: { grade: number }) {
  return (
    <span class={`grade g${grade}`} title={`grade ${numeral(grade)}`} data-testid="grade">
      {numeral(grade)}
    </span>
  );
}

export function Sla({ dueAt }: { dueAt: number }) {
  const c = countdown(dueAt, useNow());
  return <span class={`sla${c.late ? " late" : ""}`}>{c.text}</span>;
}

/** [bucket start, count] points as a line. */
export function Sparkline({
  points,
  width = 240,
  height = 40,
}: {
  points: [number, number][];
  width?: number;
  height?: number;
}) {
  const max = Math.max(1, ...points.map((p) => p[1]));
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const line = points.map((p, i) => `${i * step},${height - (p[1] / max) * (height - 4) - 2}`).join(" ");
  return (
    <svg width={width} height={height} data-testid="sparkline" data-points={points.length}>
      {points.length ? <polyline fill="none" stroke="#b00020" stroke-width="2" points={line} /> : null}
    </svg>
  );
}

export function Scores({ scores }: { scores: Record<string, number> }) {
  return (
    <>
      {Object.entries(scores)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(" · ")}
    </>
  );
}

/** The post's text with the words that drove its scores marked (the explanations' spans). */
function Highlighted({ text, top }: { text: string; top: ReviewPost["top"] }) {
  const spans = top
    .flatMap((t) => (t.span && t.span.end <= text.length ? [t.span] : []))
    .sort((a, b) => a.start - b.start);
  const parts = [];
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue; // overlaps one already marked
    if (s.start > at) parts.push(text.slice(at, s.start));
    parts.push(<mark key={s.start}>{text.slice(s.start, s.end)}</mark>);
    at = s.end;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

export function PostView({ post }: { post: ReviewPost }) {
  return (
    <div class="post">
      <div class="post-text" data-testid="post-text">
        <Highlighted text={post.text} top={post.top} />
      </div>
      <div class="counts">
        @{post.authorId} · {post.followers} followers · <Scores scores={post.scores} />
      </div>
      {post.top.length ? (
        <div class="words" data-testid="top-words">
          {post.top.map((t) => (
            <span key={t.feature}>{t.feature}</span>
          ))}
        </div>
      ) : null}
    </div>
  );
}

const AUTHORS_SHOWN = 12;

/** Near-duplicate copies behind one item: a decision on it applies to every copy. */
export function GroupLine({ group }: { group: ItemGroup }) {
  const more = group.authors.length - AUTHORS_SHOWN;
  return (
    <div class="group" data-testid="group">
      <strong data-testid="group-count">
        {group.copies} {group.copies === 1 ? "copy" : "copies"} from {group.accounts}{" "}
        {group.accounts === 1 ? "account" : "accounts"}
      </strong>
      <div class="words" data-testid="group-authors">
        {group.authors.slice(0, AUTHORS_SHOWN).map((a) => (
          <span key={a}>@{a}</span>
        ))}
        {more > 0 ? <span>and {more} more</span> : null}
      </div>
    </div>
  );
}
