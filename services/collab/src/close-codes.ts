/**
 * WebSocket close codes the sync server uses (4000-4999 is the application range). Browsers see
 * only close codes, not HTTP statuses, so refusals are sent after the upgrade as these. As
 * y-websocket v3's client reads them, 4400-4499 mirror HTTP 4xx (permanent: it stops
 * reconnecting) and 4500-4599 mean "try again later".
 */
export const CloseCode = {
  /** Server shutting down; reconnect later. */
  goingAway: 1001,
  /** Frame over the size limit (sent by ws itself). */
  tooLarge: 1009,
  internal: 1011,
  /** A frame that is not a well-formed y-websocket message. */
  malformed: 4400,
  /** No credentials, or credentials that are invalid. */
  unauthenticated: 4401,
  /** No right to this notebook, or a share link that was revoked or has expired. */
  forbidden: 4403,
  notFound: 4404,
  /** The document was replaced (new epoch): the client's history is stale; reload, don't merge. */
  replaced: 4409,
  /** The notebook was deleted. */
  gone: 4410,
  /** A document update that could not be applied. */
  badUpdate: 4422,
  /** The client fell too far behind reading what it was sent (4500-4599: try again later). */
  slowConsumer: 4529,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
