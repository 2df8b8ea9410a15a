import { z } from "zod";
import { Id, Timestamp } from "./common.ts";

export const Email = z
  .email()
  .max(320)
  .transform((e) => e.toLowerCase());
export const Password = z.string().min(8, "at least 8 characters").max(1024);

export const User = z
  .object({
    id: Id,
    email: z.string(),
    name: z.string(),
    isAdmin: z.boolean(),
    createdAt: Timestamp,
  })
  .meta({ id: "User" });
export type User = z.infer<typeof User>;

export const SignupBody = z
  .object({ email: Email, name: z.string().trim().min(1).max(200), password: Password })
  .meta({ id: "SignupBody" });
export const LoginBody = z.object({ email: Email, password: z.string().min(1).max(1024) }).meta({ id: "LoginBody" });

export const ApiToken = z
  .object({
    id: Id,
    name: z.string(),
    prefix: z.string().describe("First characters of the token, to recognise it"),
    projectId: Id.nullable().describe("When set, the token only reaches this project"),
    createdAt: Timestamp,
    expiresAt: Timestamp.nullable(),
    lastUsedAt: Timestamp.nullable(),
  })
  .meta({ id: "ApiToken" });
export type ApiToken = z.infer<typeof ApiToken>;

export const CreateTokenBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    expiresAt: Timestamp.optional(),
  })
  .meta({ id: "CreateTokenBody" });
export const CreatedToken = ApiToken.extend({
  token: z.string().describe("The secret; shown once, stored only as a hash"),
}).meta({ id: "CreatedToken" });
export type CreatedToken = z.infer<typeof CreatedToken>;
