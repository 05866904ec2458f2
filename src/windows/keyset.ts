// What a post is counted under: its hashtags, URLs and their domains, near-duplicate text
// clusters, the accounts it talks at, and its author. Pure.
import type { Post } from "../domain";
import type { KeyKind } from "../keys";
import { clusterBands } from "./minhash";

export interface KeyRef {
  kind: Exclude<KeyKind, "stream">;
  value: string;
}

const TRACKING = /^(utm_[a-z]+|fbclid|gclid|spm|from|share_source|si)$/i;

/** Canonical form of a URL, so the same link shared with tracking tags counts once. */
export function normaliseUrl(raw: string): { url: string; domain: string } | undefined {
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  const domain = u.hostname.toLowerCase().replace(/^(www\.|m\.)/, "");
  for (const k of [...u.searchParams.keys()]) if (TRACKING.test(k)) u.searchParams.delete(k);
  u.searchParams.sort();
  const path = u.pathname.replace(/\/+$/, "");
  const query = u.searchParams.toString();
  return { url: `${domain}${path}${query ? `?${query}` : ""}`, domain };
}

export const normaliseHashtag = (tag: string) => tag.replace(/^#/, "").normalize("NFKC").toLowerCase();

/**
 * A key's value as the windows count it, from what a person types: "#Foo" → "foo", a link in its
 * canonical form, "@someone" → "someone". Empty when it is not a key of that kind (a bad URL).
 */
export function normaliseKey(kind: KeyKind, value: string): string {
  const v = value.trim();
  switch (kind) {
    case "hashtag":
      return normaliseHashtag(v);
    case "url":
      return normaliseUrl(v)?.url ?? "";
    case "domain":
      return normaliseUrl(v)?.domain ?? "";
    case "mention":
    case "author":
      return v.replace(/^@/, "");
    case "stream":
    case "cluster":
    case "post":
      return v;
  }
}

export function keysOf(post: Post, normalisedText: string): KeyRef[] {
  const out: KeyRef[] = [{ kind: "author", value: post.author.id }];
  for (const t of new Set(post.hashtags ?? [])) out.push({ kind: "hashtag", value: normaliseHashtag(t) });
  const domains = new Set<string>();
  for (const raw of new Set(post.urls ?? [])) {
    const n = normaliseUrl(raw);
    if (!n) continue;
    out.push({ kind: "url", value: n.url });
    domains.add(n.domain);
  }
  for (const d of domains) out.push({ kind: "domain", value: d });
  for (const m of new Set(post.mentions ?? [])) if (m !== post.author.id) out.push({ kind: "mention", value: m });
  for (const band of clusterBands(normalisedText)) out.push({ kind: "cluster", value: band });
  return out;
}
