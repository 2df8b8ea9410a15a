/** nbformat 4 JSON, loosely typed: validation (validate.ts) is what guarantees the shape. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface NbOutput extends JsonObject {
  output_type: string;
}

export interface NbCell extends JsonObject {
  id: string;
  /** Validation guarantees one of nbformat's three. */
  cell_type: "code" | "markdown" | "raw";
  source: string;
  metadata: JsonObject;
}

export interface Nbformat {
  /** Fields from a future nbformat minor version are kept as they are. */
  [key: string]: unknown;
  nbformat: number;
  nbformat_minor: number;
  metadata: JsonObject;
  cells: NbCell[];
}
