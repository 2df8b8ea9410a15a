import { describe, expect, it } from "vitest";
import { bearerOf, cookieValue } from "../src/auth/identity.ts";
import { hashPassword, verifyPassword } from "../src/auth/passwords.ts";
import { RateLimiter } from "../src/auth/rate-limit.ts";
import { digest, newSecret } from "../src/auth/secrets.ts";

describe("password hashing", () => {
  it("verifies the right password only, with a salt per hash", async () => {
    const a = await hashPassword("hunter22");
    const b = await hashPassword("hunter22");
    expect(a).not.toBe(b);
    expect(await verifyPassword("hunter22", a)).toBe(true);
    expect(await verifyPassword("hunter23", a)).toBe(false);
    expect(await verifyPassword("hunter22", "garbage")).toBe(false);
  });
});

describe("secrets", () => {
  it("are long, random and stored as a digest", () => {
    const s = newSecret();
    expect(s).toMatch(/^tdm_[\w-]{43}$/);
    expect(newSecret()).not.toBe(s);
    expect(digest(s)).toMatch(/^[0-9a-f]{64}$/);
    expect(digest(s)).not.toContain(s);
  });
});

describe("credentials", () => {
  it("reads Bearer, Jupyter's token scheme and ?token=", () => {
    expect(bearerOf({ authorization: "Bearer abc" })).toBe("abc");
    expect(bearerOf({ authorization: "token abc" })).toBe("abc");
    expect(bearerOf({ authorization: "Basic abc" })).toBeNull();
    expect(bearerOf({ queryToken: "q" })).toBe("q");
  });

  it("finds a cookie among others", () => {
    expect(cookieValue("a=1; tandem_session=xyz; b=2", "tandem_session")).toBe("xyz");
    expect(cookieValue("tandem_session_other=1", "tandem_session")).toBeNull();
    expect(cookieValue(undefined, "tandem_session")).toBeNull();
  });
});

describe("rate limiter", () => {
  it("allows `limit` hits per window, then says how long to wait", () => {
    const limiter = new RateLimiter(2, 60_000);
    expect(limiter.hit("k", 0)).toBe(0);
    expect(limiter.hit("k", 1)).toBe(0);
    expect(limiter.hit("k", 2)).toBe(60);
    expect(limiter.hit("other", 2)).toBe(0);
    expect(limiter.hit("k", 60_001)).toBe(0);
    limiter.hit("k", 60_002);
    limiter.reset("k");
    expect(limiter.hit("k", 60_003)).toBe(0);
  });
});
