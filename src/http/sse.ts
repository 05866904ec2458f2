// Live queue changes for server-sent events: one Redis subscriber per server, fanned out to every
// open stream. Changes are hints ("the rumour queue changed"); clients re-read what they show.
import { EventEmitter } from "node:events";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Cluster, Redis } from "ioredis";
import type { RedisClient } from "../redis/client";

export class Changes {
  private sub: RedisClient | undefined;
  private readonly bus = new EventEmitter();

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
  ) {
    this.bus.setMaxListeners(0);
  }

  private async ensure(): Promise<void> {
    if (this.sub) return;
    const sub = this.redis.isCluster ? (this.redis as Cluster).duplicate() : (this.redis as Redis).duplicate();
    this.sub = sub;
    sub.on("message", (_ch: string, msg: string) => this.bus.emit("change", msg));
    await sub.subscribe(this.channel);
  }

  /** Streams changes to one client until it goes away. */
  async stream(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.ensure();
    reply.hijack();
    const res = reply.raw;
    // A hijacked reply sends nothing fastify holds: pass on the security (and CORS) headers the hooks set.
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string | string[]>),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(`retry: 2000\nevent: hello\ndata: {}\n\n`);
    const onChange = (msg: string) => res.write(`event: change\ndata: ${msg}\n\n`);
    const ping = setInterval(() => res.write(`: ping\n\n`), 15_000);
    this.bus.on("change", onChange);
    req.raw.on("close", () => {
      clearInterval(ping);
      this.bus.off("change", onChange);
    });
  }

  async close(): Promise<void> {
    this.bus.emit("close");
    const s = this.sub;
    this.sub = undefined;
    if (s) await s.quit().catch(() => s.disconnect());
  }
}
