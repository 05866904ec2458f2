// `modstream serve` and `modstream token create`: registered by src/cli/index.ts.
import { once } from "node:events";
import type { Command } from "commander";
import { connectRedis } from "../redis/client";
import { apiConfig, type Config } from "../config";
import { ROLES } from "../domain";
import { badRequest } from "../errors";
import { createLogger } from "../log";
import { AuthStore, isRole } from "../review/auth";
import { apiDeps, startApi } from "../http/run";

export function registerApiCommands(program: Command, deps: { config: () => Config; say: (l: string) => void }) {
  program
    .command("serve")
    .description("serve the review API and web UI (stops cleanly on SIGTERM/SIGINT)")
    .option("--host <host>", "address to listen on (default: the pipeline file's api.host)")
    .option("--port <port>", "port (default: the pipeline file's api.port)", (v) => Number(v))
    .action(async (o: { host?: string; port?: number }) => {
      const cfg = deps.config();
      const log = createLogger(cfg.logLevel, "api");
      const api = await startApi(cfg, log, { host: o.host, port: o.port });
      deps.say(`review API and UI at ${api.url} (OpenAPI at ${api.url}/docs)`);
      await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
      deps.say("stopping");
      await api.close();
    });
  const token = program.command("token").description("API tokens for support staff, moderators, leads and admins");
  token
    .command("create")
    .description("create an API token and print it once (only its hash is stored)")
    .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
    .requiredOption("--name <name>", "who it is for (shown in the audit log)")
    .action(async (o: { role: string; name: string }) => {
      if (!isRole(o.role)) throw badRequest(`--role must be one of ${ROLES.join(", ")}`);
      if (!/^[\w.@-]{1,64}$/.test(o.name)) throw badRequest("--name: letters, digits, _ . @ - (at most 64)");
      const cfg = deps.config();
      const redis = connectRedis(cfg);
      try {
        const auth = new AuthStore(redis, apiDeps(cfg, redis).keys, apiConfig(cfg.pipeline).sessionTtlSeconds);
        const t = await auth.createToken(o.role, o.name, "cli");
        await apiDeps(cfg, redis).review.audit.append({
          actor: "cli",
          kind: "token_create",
          what: `${o.role} token for ${o.name}`,
        });
        process.stdout.write(`${t.token}\n`);
        deps.say(`${o.role} token for ${o.name} created (id ${t.info.tokenId}); it is shown only this once`);
      } finally {
        redis.disconnect();
      }
    });
}
