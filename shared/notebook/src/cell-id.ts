/**
 * A new nbformat cell id (a UUID). Browsers give `crypto.randomUUID` only in secure contexts, so a
 * page served over plain http on a LAN address still gets an id, from Math.random.
 */
export function newCellId(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (ch) => {
    const r = (Math.random() * 16) | 0;
    return (ch === "x" ? r : (r & 3) | 8).toString(16);
  });
}
