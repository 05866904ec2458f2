// How a request's input is read before a handler sees it. JSON bodies must be valid UTF-8 (not
// silently patched with U+FFFD) and free of __proto__ / constructor.prototype, and are checked
// against their schema without coercion: a JSON number is not a string, so 18446744073709551616
// sent as a name is refused rather than stored as "18446744073709552000". Query strings and path
// parameters are text, so they are coerced to their schema's types. Numbers must be finite
// everywhere (1e400 reads as Infinity). A route without a body schema refuses a body.
import { isUtf8 } from "node:buffer";
import { Ajv, type Options, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { badRequest } from "../errors";

export function readInputStrictly(app: FastifyInstance): void {
  // fastify's defaults (@fastify/ajv-compiler), except for coercion, strictNumbers and keeping
  // unknown properties for additionalProperties: false to refuse.
  const options: Options = {
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    addUsedSchema: false,
    strictNumbers: true,
  };
  const json = addFormats(new Ajv({ ...options, coerceTypes: false }));
  const text = addFormats(new Ajv({ ...options, coerceTypes: "array" }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === "body" ? json.compile(schema) : finiteOnly(text.compile(schema)),
  );

  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) {
      done(badRequest("the body is not valid UTF-8"), undefined);
      return;
    }
    void parseJson(req, bytes.toString("utf8"), done);
  });
}

/**
 * Ajv skips strictNumbers and every bound once it has coerced text to a number, so "1e400" passes
 * as Infinity: refuse non-finite numbers in the (flat) coerced object afterwards.
 */
function finiteOnly(validate: ValidateFunction): ValidateFunction {
  const check = ((data: unknown) => {
    const ok = validate(data);
    check.errors = validate.errors;
    if (!ok || typeof data !== "object" || data === null) return ok;
    for (const [key, value] of Object.entries(data))
      if (typeof value === "number" && !Number.isFinite(value)) {
        check.errors = [
          { instancePath: `/${key}`, schemaPath: "#", keyword: "type", params: {}, message: "must be a finite number" },
        ];
        return false;
      }
    return true;
  }) as ValidateFunction;
  return check;
}

/** Throws for a request that carries a body to a route that takes none. */
export function refuseUnexpectedBody(req: FastifyRequest): void {
  if (req.routeOptions.url === undefined || req.routeOptions.schema?.body) return;
  const length = req.headers["content-length"];
  if (req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0"))
    throw badRequest(`${req.method} ${req.routeOptions.url} takes no body`);
}
