// Shared fixtures for the scorer tests: one loaded scorer per test file.
import type { Post } from "../../src/domain";
import { ModelScorer } from "../../src/score/scorer";

let scorer: Promise<ModelScorer> | undefined;
export function loadScorer(): Promise<ModelScorer> {
  scorer ??= ModelScorer.load();
  return scorer;
}

export function post(text: string, id = "t"): Post {
  return { id, text, createdAt: "2024-01-01T00:00:00Z", author: { id: "a", followers: 100, accountAgeDays: 365 } };
}
