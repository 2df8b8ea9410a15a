import { createHash, randomBytes } from "node:crypto";

/** API tokens look like `tdm_<43 base64url chars>`; the prefix makes leaked ones greppable. */
export const TOKEN_PREFIX = "tdm_";

export function newSecret(prefix = TOKEN_PREFIX): string {
  return prefix + randomBytes(32).toString("base64url");
}

/** Tokens are high-entropy, so a fast hash suffices; only this digest is stored. */
export function digest(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
