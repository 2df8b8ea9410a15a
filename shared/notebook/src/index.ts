export {
  appendOutput,
  appendStream,
  CellNotFoundError,
  cellIds,
  cellMetadata,
  cellOutputs,
  cellSource,
  cellType,
  clearOutputs,
  findCell,
  replaceOutput,
  setCellMetadata,
  setExecutionCount,
  setExecutionState,
  setOutputs,
} from "./cells.ts";
export {
  cellFromY,
  cellToY,
  exportNbformat,
  fromNbformat,
  nbformatToUpdate,
  outputToY,
  toNbformat,
} from "./convert.ts";
export { InvalidNotebookError } from "./errors.ts";
export { setKernelMetadata } from "./notebook-metadata.ts";
export {
  CELLS,
  type CellType,
  cellsOf,
  createNotebookDoc,
  type ExecutionState,
  initEmptyNotebook,
  KERNEL_MAP,
  META,
  metaOf,
  SERVER_ORIGIN,
  type YCell,
} from "./schema.ts";
export type { JsonObject, JsonValue, NbCell, Nbformat, NbOutput } from "./types.ts";
export { normalizeNbformat } from "./upgrade.ts";
export { nbformatProblems, validateNbformat } from "./validate.ts";
