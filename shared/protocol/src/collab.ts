import { z } from "zod";
import { Id, Name, Timestamp } from "./common.ts";

/** .ipynb JSON (nbformat 3 or 4); the server validates it against the nbformat schema. */
export const Ipynb = z
  .looseObject({
    nbformat: z.number().int(),
    nbformat_minor: z.number().int().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .describe("A Jupyter notebook (.ipynb JSON, nbformat 4; nbformat 3 is upgraded)")
  .meta({ id: "Ipynb" });

export const ImportNotebookQuery = z.object({ name: Name.optional() });

export const ReplacedDocument = z
  .object({ epoch: z.number().int().describe("The document's new epoch; clients on an older one must reload") })
  .meta({ id: "ReplacedDocument" });

export const ShareLink = z
  .object({
    id: Id,
    notebookId: Id,
    prefix: z.string().describe("The token's first characters, to recognise it"),
    createdAt: Timestamp,
    expiresAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: "ShareLink" });
export type ShareLink = z.infer<typeof ShareLink>;

export const CreatedShareLink = ShareLink.extend({
  token: z.string().describe("Shown once. Read-only access: `/collab/<notebookId>?share=<token>`"),
  url: z.string().describe("Where the notebook can be viewed with this link"),
}).meta({ id: "CreatedShareLink" });
export type CreatedShareLink = z.infer<typeof CreatedShareLink>;

export const CreateShareLinkBody = z
  .object({ expiresAt: Timestamp.optional().describe("When the link stops working (default: never)") })
  .meta({ id: "CreateShareLinkBody" });

export const ShareLinkParams = z.object({ id: Id, linkId: Id });

export const Version = z
  .object({
    id: Id,
    notebookId: Id,
    name: z.string(),
    epoch: z.number().int(),
    createdBy: Id.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: "Version" });
export type Version = z.infer<typeof Version>;

export const CreateVersionBody = z.object({ name: Name }).meta({ id: "CreateVersionBody" });
export const VersionParams = z.object({ id: Id, versionId: Id });

export const VersionWithNotebook = z.object({ version: Version, notebook: Ipynb }).meta({ id: "VersionWithNotebook" });
