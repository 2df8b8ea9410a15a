import { z } from "zod";
import { Id, Name, Timestamp } from "./common.ts";

export const Notebook = z
  .object({
    id: Id,
    projectId: Id,
    name: z.string(),
    kind: z.enum(["notebook", "run"]).describe("`run`: a scheduled run's own document (read-only; see /runs/{id})"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Notebook" });
export type Notebook = z.infer<typeof Notebook>;

export const CreateNotebookBody = z.object({ name: Name }).meta({ id: "CreateNotebookBody" });
export const UpdateNotebookBody = z.object({ name: Name }).meta({ id: "UpdateNotebookBody" });
