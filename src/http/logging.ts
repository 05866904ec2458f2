// Request logging: fastify logs every request twice at info ("incoming request", "request
// completed"), which under load costs more than serving it. Those lines go to debug; failures
// keep their levels (and the error handler logs every unexpected error).
import { LogController, type FastifyReply, type FastifyRequest } from "fastify";

export class QuietRequests extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, "incoming request");
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, "request completed");
  }
}
