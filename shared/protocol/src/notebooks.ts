import { z } from "zod";
import { Id, Name, Timestamp } from "./common.ts";

export const Notebook = z
  .object({
    id: Id,
    projectId: Id,
    name: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Notebook" });
export type Notebook = z.infer<typeof Notebook>;

export const CreateNotebookBody = z.object({ name: Name }).meta({ id: "CreateNotebookBody" });
export const UpdateNotebookBody = z.object({ name: Name }).meta({ id: "UpdateNotebookBody" });
