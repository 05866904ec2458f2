// The incidents page's naming and filtering, which the page applies to whatever the server sent
// (a server without the grade / group / q filters yet answers unfiltered).
import { describe, expect, it } from "vitest";
import type { IncidentJson } from "../../ui/src/api";
import { matches, titleOf } from "../../ui/src/format";

const base: IncidentJson = {
  id: "INC-rumour-1",
  type: "rumour",
  grade: 2,
  state: "open",
  source: "spike",
  kind: "hashtag",
  key: "damburst",
  group: "rumour-desk",
  figures: { flagged: 1, posts: 1, perMinute: 1, authors: 1, reach: 1, confidence: 1, growth: 1 },
  firstEvidenceAt: 0,
  openedAt: 0,
  updatedAt: 0,
  lastActivityAt: 0,
  reopenCount: 0,
};
const summary = { accounts: 3, newAccounts: 1, reach: 10, firstSeen: 0, lastSeen: 0, ratePerMin: 1 };

describe("incident titles", () => {
  it("uses the API's title, and type plus key before there is one", () => {
    expect(titleOf(base)).toBe('rumour · hashtag "damburst"');
    expect(titleOf({ ...base, title: "  " })).toBe('rumour · hashtag "damburst"');
    expect(titleOf({ ...base, title: "#damburst: the dam has burst" })).toBe("#damburst: the dam has burst");
  });
});

describe("incident filters", () => {
  it("keeps what matches every filter", () => {
    expect(matches(base, {})).toBe(true);
    expect(matches(base, { type: "rumour", grade: 2, group: "rumour-desk", state: "open", live: true })).toBe(true);
    expect(matches(base, { type: "abuse" })).toBe(false);
    expect(matches(base, { grade: 3 })).toBe(false);
    expect(matches(base, { group: "abuse-desk" })).toBe(false);
    expect(matches(base, { state: "assessing" })).toBe(false);
    expect(matches({ ...base, state: "resolved" }, { live: true })).toBe(false);
  });

  it("searches id, key, title and summary text, ignoring case and width", () => {
    expect(matches(base, { q: "DAMBURST" })).toBe(true);
    expect(matches(base, { q: "ｄａｍ" })).toBe(true);
    expect(matches(base, { q: "inc-rumour-1" })).toBe(true);
    expect(matches({ ...base, title: "Free coins at free-coin-drop.example" }, { q: "free coins" })).toBe(true);
    const zh = { ...base, summary: { ...summary, text: "抵制重男轻女！抵制给女孩喝可乐！23333333333" } };
    expect(matches(zh, { q: "重男轻女" })).toBe(true);
    expect(matches(zh, { q: "可口可乐" })).toBe(false);
    expect(matches(base, { q: "   " })).toBe(true);
  });
});
