import { z } from "zod";
import { Email } from "./auth.ts";
import { Id, Name, Timestamp } from "./common.ts";

export const Role = z.enum(["owner", "editor", "viewer"]).meta({ id: "Role" });
export type Role = z.infer<typeof Role>;

export const Project = z
  .object({
    id: Id,
    name: z.string(),
    role: Role.describe("The caller's role in this project"),
    createdAt: Timestamp,
  })
  .meta({ id: "Project" });
export type Project = z.infer<typeof Project>;

export const CreateProjectBody = z.object({ name: Name }).meta({ id: "CreateProjectBody" });
export const UpdateProjectBody = z.object({ name: Name }).meta({ id: "UpdateProjectBody" });

export const Member = z.object({ userId: Id, email: z.string(), name: z.string(), role: Role }).meta({ id: "Member" });
export type Member = z.infer<typeof Member>;

export const AddMemberBody = z.object({ email: Email, role: Role }).meta({ id: "AddMemberBody" });
export const UpdateMemberBody = z.object({ role: Role }).meta({ id: "UpdateMemberBody" });
