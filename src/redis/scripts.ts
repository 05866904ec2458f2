// The one Lua script loader. Scripts are files named after their key count (`claim-4.lua`: four
// KEYS); a file without a count (`apply-buckets.lua`) takes it as its first argument. A folder's
// `_shared.lua`, when there is one, is prepended to each of its scripts. ioredis `defineCommand`
// sends EVALSHA and falls back to EVAL once per connection, so loading is free after the first call.
import { existsSync, readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";

/** Command name → script file, in the folder given to `defineScripts`. */
export type ScriptFiles = Readonly<Record<string, string>>;

/** The key count a script's file name declares, or undefined when it takes it as an argument. */
export function keyCountOf(file: string): number | undefined {
  const m = /-(\d+)\.lua$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/**
 * Defines every script of `files` (in the folder `dir`, a file URL) as a command on the client and
 * returns the client typed as `C`. Defining twice on one client is a no-op.
 */
export function defineScripts<C>(redis: Redis | Cluster, dir: URL, files: ScriptFiles): C {
  const client = redis as unknown as Record<string, unknown>;
  const read = (file: string) => readFileSync(new URL(file, dir), "utf8");
  const sharedFile = new URL("_shared.lua", dir);
  const shared = existsSync(sharedFile) ? `${readFileSync(sharedFile, "utf8")}\n` : "";
  for (const [name, file] of Object.entries(files)) {
    if (typeof client[name] === "function") continue;
    const numberOfKeys = keyCountOf(file);
    // ioredis's auto-pipelining groups a command it does not know by its first argument, which is
    // the key count here, not a key: on a Cluster such a script goes outside auto-pipelining,
    // where ioredis routes it by its KEYS.
    if (numberOfKeys === undefined && redis.isCluster) {
      const options = (redis as Cluster).options;
      options.autoPipeliningIgnoredCommands = [...(options.autoPipeliningIgnoredCommands ?? []), name];
    }
    redis.defineCommand(name, { lua: shared + read(file), ...(numberOfKeys === undefined ? {} : { numberOfKeys }) });
  }
  return redis as unknown as C;
}
