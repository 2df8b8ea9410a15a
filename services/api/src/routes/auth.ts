import { getConnInfo } from "@hono/node-server/conninfo";
import { createRoute } from "@hono/zod-openapi";
import { type Db, schema } from "@tandem/db";
import { ErrorBody, ErrorCode, LoginBody, SignupBody, User } from "@tandem/protocol";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SESSION_COOKIE } from "../auth/identity.ts";
import { dummyHashPromise, hashPassword, verifyPassword } from "../auth/passwords.ts";
import { RateLimiter } from "../auth/rate-limit.ts";
import { createSession, deleteSession, SESSION_TTL_MS } from "../auth/sessions.ts";
import { type ApiDeps, type AppContext, requireIdentity, router } from "../context.ts";
import { ApiError, conflict, forbidden } from "../errors.ts";
import { errorResponses, json, jsonBody, noContent, secured } from "../openapi.ts";
import { findUserByEmail, findUserById, toUser } from "../users.ts";

const signup = createRoute({
  method: "post",
  path: "/auth/signup",
  tags: ["auth"],
  summary: "Create an account and sign in (sets the session cookie)",
  request: jsonBody(SignupBody),
  responses: {
    201: json(User, "Account created"),
    400: errorResponses[400],
    403: errorResponses[403],
    409: { description: "Email already used", content: { "application/json": { schema: ErrorBody } } },
  },
});

const login = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Sign in with email and password (sets the session cookie)",
  request: jsonBody(LoginBody),
  responses: {
    200: json(User, "Signed in"),
    400: errorResponses[400],
    401: errorResponses[401],
    429: { description: "Too many attempts", content: { "application/json": { schema: ErrorBody } } },
  },
});

const logout = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  summary: "End the browser session",
  responses: { 204: noContent },
});

const me = createRoute({
  method: "get",
  path: "/me",
  tags: ["auth"],
  summary: "Who the caller is",
  security: secured,
  responses: { 200: json(User, "The caller"), 401: errorResponses[401] },
});

function clientAddress(c: AppContext): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

export async function startSession(c: AppContext, db: Db, userId: string, secure: boolean) {
  const { secret } = await createSession(db, userId);
  setCookie(c, SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: "Lax",
    secure,
    path: "/",
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function authRoutes({ db, config, accessEvents }: ApiDeps) {
  const limiter = new RateLimiter(config.loginAttempts, config.loginWindowMs);

  return router()
    .openapi(signup, async (c) => {
      if (!config.allowSignup) throw forbidden("Sign-up is closed on this server; ask an admin for an account");
      const body = c.req.valid("json");
      if (await findUserByEmail(db, body.email)) throw conflict("An account with this email already exists");
      const passwordHash = await hashPassword(body.password);
      const [row] = await db
        .insert(schema.users)
        .values({ email: body.email, name: body.name, passwordHash })
        .onConflictDoNothing()
        .returning();
      if (!row) throw conflict("An account with this email already exists");
      await startSession(c, db, row.id, config.secureCookies);
      return c.json(toUser(row), 201);
    })
    .openapi(login, async (c) => {
      const body = c.req.valid("json");
      const key = `${clientAddress(c)}|${body.email}`;
      const wait = limiter.hit(key);
      if (wait > 0) {
        c.header("Retry-After", String(wait));
        throw new ApiError(429, ErrorCode.rateLimited, `Too many sign-in attempts; try again in ${wait} s`);
      }
      const user = await findUserByEmail(db, body.email);
      // Unknown accounts still pay for a hash, so timing does not tell which emails exist.
      const ok = await verifyPassword(body.password, user?.passwordHash ?? (await dummyHashPromise));
      if (!user?.passwordHash || !ok) throw new ApiError(401, ErrorCode.unauthenticated, "Wrong email or password");
      limiter.reset(key);
      await startSession(c, db, user.id, config.secureCookies);
      return c.json(toUser(user), 200);
    })
    .openapi(logout, async (c) => {
      const secret = getCookie(c, SESSION_COOKIE);
      if (secret) {
        const ended = await deleteSession(db, secret);
        if (ended) await accessEvents.emit({ type: "session-ended", sessionId: ended.id, userId: ended.userId });
      }
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.body(null, 204);
    })
    .openapi(me, async (c) => {
      const who = requireIdentity(c);
      const user = await findUserById(db, who.user.id);
      if (!user) throw new ApiError(401, ErrorCode.unauthenticated, "This account no longer exists");
      return c.json(toUser(user), 200);
    });
}
