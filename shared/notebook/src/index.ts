// The browser-safe face: the document schema and its edits, for the server, the web app and the CLI.
// Validation against nbformat's JSON schema (and so import and validated export) is Node-only: `./node.ts`.

export { newCellId } from "./cell-id.ts";
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
export { cellFromY, cellToY, outputToY, toNbformat } from "./convert.ts";
export {
  clearOutputsAt,
  createCell,
  deleteCell,
  indexOfCell,
  insertCell,
  mergeBelow,
  moveCell,
  type NewCell,
  setCellType,
  sourceOf,
  splitCell,
  tagsOf,
  toggleTag,
} from "./edits.ts";
export { InvalidNotebookError } from "./errors.ts";
export {
  executionStateOf,
  type InputRequest,
  type KernelInfo,
  type KernelStatus,
  kernelInfoOf,
  kernelStatusOf,
} from "./kernel-state.ts";
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
  WIDGET_MESSAGES,
  WIDGETS_MAP,
  type YCell,
} from "./schema.ts";
export type { JsonObject, JsonValue, NbCell, Nbformat, NbOutput } from "./types.ts";
