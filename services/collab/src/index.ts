export { CloseCode } from "./close-codes.ts";
export {
  type Collab,
  type CollabOptions,
  createCollab,
  type DocHandle,
  type LiveConnection,
  type Refusal,
} from "./collab.ts";
export type { Access } from "./connection.ts";
export { CollabError, type CollabErrorCode } from "./errors.ts";
export { isShareToken, SHARE_TOKEN_PREFIX, type ShareLinkRow } from "./share-links.ts";
export type { VersionInfo } from "./versions.ts";
