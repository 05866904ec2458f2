// Hostile payloads on every route (issue 8), sent as an admin so that only the input is wrong:
// bodies over the limit, nested 10,000 deep, invalid UTF-8, prototype pollution, wrong content
// types, and numbers no route takes (1e400, 2^64, -0, NaN) in bodies, query strings and paths.
// Each is refused with a 4xx and the API's error body, never a 5xx; afterwards the server is
// healthy, still claims and decides, and Object.prototype is clean.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanRedis } from "../helpers/env";
import { harness, type Harness } from "./setup";

let h: Harness;
beforeAll(async () => {
  h = await harness("hostile");
});
afterAll(async () => {
  await h.app.close();
  await cleanRedis(h.redis, h.cfg);
  h.redis.disconnect();
});

type Method = "GET" | "POST" | "DELETE";
interface Route {
  method: Method;
  route: string;
  url: string;
  /** A body the route accepts (its string fields are where hostile values go); none: takes no body. */
  body?: Record<string, string>;
  /** Numeric query parameters, and whether 0 is in their range. */
  numbers?: Record<string, { zero: boolean }>;
  /** Cases of this route alone. */
  extra?: Case[];
}

const ROUTES: Route[] = [
  { method: "GET", route: "/healthz", url: "/healthz" },
  { method: "GET", route: "/readyz", url: "/readyz" },
  { method: "POST", route: "/api/auth/login", url: "/api/auth/login", body: { token: "mst_x" } },
  { method: "POST", route: "/api/auth/logout", url: "/api/auth/logout" },
  { method: "GET", route: "/api/auth/me", url: "/api/auth/me" },
  { method: "GET", route: "/api/queues", url: "/api/queues" },
  {
    method: "GET",
    route: "/api/queues/:queue/items",
    url: "/api/queues/abuse/items",
    numbers: { offset: { zero: true }, limit: { zero: false } },
  },
  { method: "POST", route: "/api/queues/:queue/claim", url: "/api/queues/abuse/claim" },
  { method: "GET", route: "/api/claims", url: "/api/claims" },
  { method: "GET", route: "/api/items/:id", url: "/api/items/post:hostile" },
  { method: "POST", route: "/api/items/:id/renew", url: "/api/items/post:hostile/renew", body: { lockToken: "t" } },
  { method: "POST", route: "/api/items/:id/release", url: "/api/items/post:hostile/release", body: { lockToken: "t" } },
  {
    method: "POST",
    route: "/api/items/:id/decision",
    url: "/api/items/post:hostile/decision",
    body: { lockToken: "t", decisionId: "d", kind: "dismiss", reason: "r" },
  },
  { method: "POST", route: "/api/items/:id/reassign", url: "/api/items/post:hostile/reassign", body: { to: "m" } },
  { method: "GET", route: "/api/events", url: "/api/events" },
  { method: "GET", route: "/api/incidents", url: "/api/incidents", numbers: { limit: { zero: false } } },
  { method: "GET", route: "/api/incidents/:id", url: "/api/incidents/INC-hostile" },
  {
    method: "POST",
    route: "/api/incidents/:id/statements",
    url: "/api/incidents/INC-hostile/statements",
    body: { text: "t" },
  },
  {
    method: "GET",
    route: "/api/audit",
    url: "/api/audit",
    numbers: { from: { zero: true }, to: { zero: true }, limit: { zero: false } },
    extra: [
      // Redis refuses a range that ends before its first possible id: nothing comes before it.
      { name: "cursor 0-0", url: "/api/audit?cursor=0-0", expect: [200] },
      { name: "cursor past 64 bits", url: "/api/audit?cursor=99999999999999999999-1", expect: [400] },
    ],
  },
  { method: "GET", route: "/api/silences", url: "/api/silences" },
  {
    method: "POST",
    route: "/api/silences",
    url: "/api/silences",
    body: { kind: "hashtag", key: "#hostile", for: "1h", reason: "r" },
  },
  { method: "DELETE", route: "/api/silences/:id", url: "/api/silences/SIL-0000000000" },
  { method: "GET", route: "/api/suppressed", url: "/api/suppressed", numbers: { limit: { zero: false } } },
  { method: "GET", route: "/api/tokens", url: "/api/tokens" },
  { method: "POST", route: "/api/tokens", url: "/api/tokens", body: { role: "moderator", name: "n" } },
  { method: "DELETE", route: "/api/tokens/:tokenId", url: "/api/tokens/000000000000" },
  {
    method: "POST",
    route: "/api/appeals",
    url: "/api/appeals",
    body: { id: "a", decisionId: "d", accountId: "u", reason: "r" },
  },
  { method: "GET", route: "/api/appeals/:id", url: "/api/appeals/hostile" },
];

interface Case {
  name: string;
  url?: string;
  payload?: string | Buffer;
  contentType?: string;
  /** Statuses that count as refusing this input. */
  expect: number[];
}

const REFUSED = [400, 413, 415];
const LIMIT = 64 * 1024;
const deep = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80]);
/** JSON numbers no string field takes; NaN and Infinity are not JSON at all. */
const BODY_NUMBERS = ["1e400", "18446744073709551616", "-0", "NaN", "Infinity"];
const QUERY_NUMBERS = [
  "1e400",
  "-1e400",
  "18446744073709551616",
  "-0",
  "NaN",
  "Infinity",
  "-1",
  "0.5",
  "9".repeat(400),
];
/** The longest post id kept as it is in its item id (`post:` + 100 characters). */
const LONGEST = "p".repeat(100);
const PATH_NUMBERS = ["1e400", "18446744073709551616", "-0", "NaN"];

/** The body's JSON with one field's value replaced by raw JSON text (or bytes). */
function withField(body: Record<string, string>, field: string, raw: string | Buffer): Buffer {
  const marker = "\u0000HOSTILE\u0000";
  const [before, after] = JSON.stringify({ ...body, [field]: marker }).split(JSON.stringify(marker));
  return Buffer.concat([Buffer.from(before!), Buffer.from(raw), Buffer.from(after!)]);
}

/** The object's JSON with a member (raw JSON text) put first. */
const prepend = (json: string, member: string) => (json === "{}" ? `{${member}}` : `{${member},${json.slice(1)}`);

function cases(r: Route): Case[] {
  const body = r.body ?? {};
  const json = JSON.stringify(body);
  const fields = Object.keys(body);
  const out: Case[] = [
    { name: "oversized body", payload: JSON.stringify({ ...body, pad: "x".repeat(LIMIT) }), expect: REFUSED },
    { name: "nested 10,000 deep", payload: deep(10_000), expect: REFUSED },
    { name: "arrays nested 10,000 deep", payload: "[".repeat(10_000) + "]".repeat(10_000), expect: REFUSED },
    { name: "invalid UTF-8 body", payload: INVALID_UTF8, expect: REFUSED },
    { name: "__proto__ body", payload: prepend(json, '"__proto__":{"polluted":"yes"}'), expect: REFUSED },
    {
      name: "constructor.prototype body",
      payload: prepend(json, '"constructor":{"prototype":{"polluted":"yes"}}'),
      expect: REFUSED,
    },
    { name: "JSON as text/plain", payload: json, contentType: "text/plain", expect: REFUSED },
    {
      name: "form encoding",
      payload: new URLSearchParams(body).toString() || "a=1",
      contentType: "application/x-www-form-urlencoded",
      expect: REFUSED,
    },
    { name: "XML", payload: "<a>1</a>", contentType: "application/xml", expect: REFUSED },
    {
      name: "multipart",
      payload: "--x\r\n\r\n1\r\n--x--\r\n",
      contentType: "multipart/form-data; boundary=x",
      expect: REFUSED,
    },
    { name: "no content type", payload: json, contentType: "", expect: REFUSED },
  ];
  for (const field of fields) {
    out.push(
      {
        name: `invalid UTF-8 in ${field}`,
        payload: withField(body, field, Buffer.concat([Buffer.from('"'), INVALID_UTF8, Buffer.from('"')])),
        expect: REFUSED,
      },
      { name: `${field} nested 10,000 deep`, payload: withField(body, field, deep(10_000)), expect: REFUSED },
      {
        name: `__proto__ in ${field}`,
        payload: withField(body, field, '{"__proto__":{"polluted":"yes"}}'),
        expect: REFUSED,
      },
      ...BODY_NUMBERS.map((n) => ({ name: `${field}: ${n}`, payload: withField(body, field, n), expect: REFUSED })),
    );
  }
  for (const [param, range] of Object.entries(r.numbers ?? {}))
    for (const n of QUERY_NUMBERS)
      out.push({
        name: `?${param}=${n.slice(0, 24)}`,
        url: `${r.url}?${param}=${encodeURIComponent(n)}`,
        // -0 is 0: refused where 0 is, read as 0 where 0 is allowed.
        expect: n === "-0" && range.zero ? [200] : [400],
      });
  const segments = r.route.split("/");
  segments.forEach((s, i) => {
    if (!s.startsWith(":")) return;
    const at = (v: string) =>
      r.url
        .split("/")
        .map((x, j) => (j === i ? v : x))
        .join("/");
    // A number is a well-formed item or incident id, which then does not exist.
    for (const n of PATH_NUMBERS)
      out.push({ name: `${s}=${n}`, url: at(encodeURIComponent(n)), payload: r.body && json, expect: [400, 404] });
    out.push(
      { name: `${s} invalid UTF-8`, url: at("%FF%FE%C3%28"), payload: r.body && json, expect: [400, 404] },
      { name: `${s} 300 characters`, url: at("x".repeat(300)), payload: r.body && json, expect: [400, 404, 414] },
    );
  });
  return [...out, ...(r.extra ?? [])];
}

const admin = () => ({ authorization: `Bearer ${h.tokens.admin}` });

async function send(r: Route, c: Case) {
  const headers: Record<string, string> = admin();
  if (c.payload !== undefined && c.contentType !== "") headers["content-type"] = c.contentType ?? "application/json";
  const res = h.app.inject({
    method: r.method,
    url: c.url ?? r.url,
    headers,
    ...(c.payload !== undefined ? { payload: c.payload } : {}),
  });
  // An accepted event stream never ends: a refusal comes at once.
  return Promise.race([res, new Promise<never>((_, no) => setTimeout(() => no(new Error("no answer in 5 s")), 5000))]);
}

/** What is wrong with a refusal, or undefined. */
function problem(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  c: Case,
): string | undefined {
  if (!c.expect.includes(res.statusCode))
    return `status ${res.statusCode} (want ${c.expect.join("/")}): ${res.body.slice(0, 200)}`;
  if (res.statusCode < 400) return undefined;
  if (!String(res.headers["content-type"]).startsWith("application/json"))
    return `content-type ${String(res.headers["content-type"])}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `not JSON: ${res.body.slice(0, 200)}`;
  }
  const b = body as { code?: unknown; message?: unknown; statusCode?: unknown };
  if (Object.keys(b).sort().join() !== "code,message,statusCode") return `error body ${res.body.slice(0, 200)}`;
  if (typeof b.code !== "string" || !/^[A-Z_]+$/.test(b.code)) return `code ${String(b.code)}`;
  if (typeof b.message !== "string" || b.message.length === 0) return "empty message";
  if (b.statusCode !== res.statusCode) return `statusCode ${String(b.statusCode)} in a ${res.statusCode}`;
  return undefined;
}

describe("hostile payloads", () => {
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  it("covers every route the server declares", () => {
    const declared = h.app.routeRoles.map((r) => `${r.method} ${r.url}`).sort();
    expect(ROUTES.map((r) => `${r.method} ${r.route}`).sort()).toEqual(declared);
  });

  for (const r of ROUTES)
    it(`${r.method} ${r.route} refuses them all with a 4xx error body`, async () => {
      const failures: string[] = [];
      for (const c of cases(r)) {
        const res = await send(r, c).catch((err: unknown) => ({ statusCode: 0, headers: {}, body: String(err) }));
        const p = problem(res, c);
        if (p) failures.push(`${c.name}: ${p}`);
      }
      expect(failures).toEqual([]);
    });

  it("leaves Object.prototype clean and the server healthy: it still claims and decides the longest ids", async () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect((await h.app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ ok: true });
    expect((await h.app.inject({ method: "GET", url: "/readyz" })).json()).toMatchObject({ ok: true });
    await h.deps.review.enqueuePost({
      queue: "technical",
      reason: "after the storm",
      post: {
        id: LONGEST,
        authorId: "a",
        followers: 1,
        text: "calm",
        createdAt: new Date().toISOString(),
        scores: { rumour: 0, abuse: 0, attack: 0, data_leak: 0 },
        top: [],
      },
    });
    const claim = await h.app.inject({ method: "POST", url: "/api/queues/technical/claim", headers: admin() });
    const { item, lockToken } = claim.json<{ item: { id: string }; lockToken: string }>();
    const decided = await h.app.inject({
      method: "POST",
      url: `/api/items/${item.id}/decision`,
      headers: admin(),
      payload: { lockToken, decisionId: "calm-1", kind: "dismiss", reason: "fine" },
    });
    expect(decided.json()).toMatchObject({ duplicate: false, action: { itemId: `post:${LONGEST}`, postId: LONGEST } });
  });

  it("refuses them over a real socket too, chunked bodies included, and keeps serving", async () => {
    const url = await h.app.listen({ host: "127.0.0.1", port: 0 });
    const chunked = (chunks: (string | Buffer)[]) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const x of chunks) c.enqueue(typeof x === "string" ? new TextEncoder().encode(x) : new Uint8Array(x));
          c.close();
        },
      });
    const post = (path: string, body: ReadableStream<Uint8Array> | Buffer) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { ...admin(), "content-type": "application/json" },
        body,
        duplex: "half",
      });
    const big = await post("/api/items/post:x/decision", chunked(Array.from({ length: 80 }, () => "x".repeat(1024))));
    expect([big.status, await big.json()]).toMatchObject([413, { code: "BAD_REQUEST", statusCode: 413 }]);
    const streamed = await post("/api/queues/abuse/claim", chunked(["{}"]));
    expect([streamed.status, await streamed.json()]).toMatchObject([400, { code: "BAD_REQUEST" }]);
    const bytes = await post(
      "/api/auth/login",
      withField({ token: "" }, "token", Buffer.concat([Buffer.from('"'), INVALID_UTF8, Buffer.from('"')])),
    );
    expect([bytes.status, await bytes.json()]).toMatchObject([400, { code: "BAD_REQUEST" }]);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
