import { createRoute } from "@hono/zod-openapi";
import { ApiToken, CreatedToken, CreateTokenBody, IdParam } from "@tandem/protocol";
import { z } from "zod";
import { createToken, listTokens, revokeToken } from "../auth/tokens.ts";
import { type ApiDeps, requireIdentity, router } from "../context.ts";
import { badRequest, forbidden, notFound } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";

const list = createRoute({
  method: "get",
  path: "/tokens",
  tags: ["tokens"],
  summary: "List your personal API tokens (never their secrets); ?kind=kernel lists your kernels' tokens instead",
  security: secured,
  request: { query: z.object({ kind: z.enum(["personal", "kernel"]).default("personal") }) },
  responses: {
    200: json(z.array(ApiToken), "Tokens"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const create = createRoute({
  method: "post",
  path: "/tokens",
  tags: ["tokens"],
  summary: "Create a personal API token; the secret is shown once",
  security: secured,
  request: jsonBody(CreateTokenBody),
  responses: {
    201: json(CreatedToken, "Created"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const revoke = createRoute({
  method: "delete",
  path: "/tokens/{id}",
  tags: ["tokens"],
  summary: "Revoke a token; it stops working at once",
  security: secured,
  request: { params: IdParam },
  responses: { 204: noContent, 401: errorResponses[401], 403: errorResponses[403], 404: errorResponses[404] },
});

/**
 * Token management needs a session or an unscoped token: a project-scoped token (a kernel's, a
 * scheduler's, a CI token) must not list, mint or revoke its user's other tokens.
 */
function requireTokenManager(c: Parameters<typeof requireIdentity>[0]) {
  const who = requireIdentity(c);
  if (who.projectScope)
    throw forbidden("A project-scoped token cannot manage tokens; sign in or use an unscoped token");
  return who;
}

export function tokenRoutes({ db, accessEvents, clock = () => new Date() }: ApiDeps) {
  return router()
    .openapi(list, async (c) => {
      const who = requireTokenManager(c);
      return c.json(await listTokens(db, who.user.id, c.req.valid("query").kind), 200);
    })
    .openapi(create, async (c) => {
      const who = requireTokenManager(c);
      const body = c.req.valid("json");
      const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= clock().getTime()) throw badRequest("expiresAt: must be in the future");
      return c.json(await createToken(db, { userId: who.user.id, name: body.name, expiresAt }), 201);
    })
    .openapi(revoke, async (c) => {
      const who = requireTokenManager(c);
      const tokenId = c.req.valid("param").id;
      if (!(await revokeToken(db, who.user.id, tokenId))) throw notFound("Token");
      await accessEvents.emit({ type: "token-revoked", tokenId, userId: who.user.id });
      return c.body(null, 204);
    });
}
