// The Node-only face: nbformat validation reads its JSON schema from disk (node:fs), so .ipynb import
// and validated export live here, beside the browser-safe `./index.ts`.
export { exportNbformat, fromNbformat, nbformatToUpdate } from "./nbformat-io.ts";
export { normalizeNbformat } from "./upgrade.ts";
export { nbformatProblems, validateNbformat } from "./validate.ts";
