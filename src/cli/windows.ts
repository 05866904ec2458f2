// `modstream windows show KIND VALUE`: one key's figures at the 1 min, 10 min and 1 h horizons.
import type { Command } from "commander";
import { connectRedis } from "../redis/client";
import type { CliDeps } from "./common";
import { KEY_KINDS, type KeyKind } from "../domain";
import { Keys } from "../keys";
import { normaliseHashtag, normaliseUrl } from "../windows/keyset";
import { WindowReader } from "../windows/reader";

const KINDS: readonly KeyKind[] = KEY_KINDS;

export function registerWindowsCommands(program: Command, deps: CliDeps): void {
  program
    .command("windows")
    .description("inspect the sliding windows in Redis")
    .command("show")
    .description(`one key's figures over 1 min, 10 min and 1 h (KIND: ${KINDS.join(", ")})`)
    .argument("<kind>")
    .argument("<value>", 'the key, e.g. a hashtag without "#", a URL, an account id; "all" for the stream')
    .action(async (kind: string, raw: string) => {
      if (!KINDS.includes(kind as KeyKind)) throw new Error(`unknown kind "${kind}"; one of ${KINDS.join(", ")}`);
      const k = kind as KeyKind;
      const value = k === "hashtag" ? normaliseHashtag(raw) : k === "url" ? (normaliseUrl(raw)?.url ?? raw) : raw;
      const cfg = deps.config();
      const redis = connectRedis(cfg, { maxRetriesPerRequest: 1 });
      try {
        const reader = new WindowReader(redis, new Keys(cfg.pipeline.redis.prefix));
        const figures = await reader.horizons(
          k,
          value,
          Date.now() / 1000,
          cfg.pipeline.windows.bucketSeconds,
          [60, 600, 3600],
        );
        process.stdout.write(JSON.stringify({ kind: k, key: value, ...figures }, null, 2) + "\n");
      } finally {
        redis.disconnect();
      }
    });
}
