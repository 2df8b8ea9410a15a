import type { NbOutput } from "@tandem/notebook";
import type * as Y from "yjs";
import { type DisplayIndex, type OutputWriter, updateDisplay } from "../outputs.ts";

/** Where one cell run's iopub messages go. */
export interface IopubTarget {
  writer: OutputWriter;
  doc(): Y.Doc | undefined;
  displays: DisplayIndex;
  setCount(count: number): void;
  /** Told about each error the kernel reports (the first is the cell's outcome). */
  error(ename: string, evalue: string): void;
}

function displayIdOf(content: Record<string, unknown>): string | undefined {
  const transient = content.transient as { display_id?: unknown } | undefined;
  return typeof transient?.display_id === "string" ? transient.display_id : undefined;
}

/** Translates one iopub message (other than status) of a running cell into its outputs. */
export function applyIopub(msgType: string, c: Record<string, unknown>, t: IopubTarget) {
  switch (msgType) {
    case "execute_input":
      if (typeof c.execution_count === "number") t.setCount(c.execution_count);
      break;
    case "stream":
      t.writer.stream(String(c.name ?? "stdout"), String(c.text ?? ""));
      break;
    case "display_data":
      t.writer.add(
        { output_type: "display_data", data: c.data ?? {}, metadata: c.metadata ?? {} } as unknown as NbOutput,
        displayIdOf(c),
      );
      break;
    case "execute_result":
      t.writer.add(
        {
          output_type: "execute_result",
          execution_count: c.execution_count ?? null,
          data: c.data ?? {},
          metadata: c.metadata ?? {},
        } as unknown as NbOutput,
        displayIdOf(c),
      );
      break;
    case "error": {
      const ename = String(c.ename ?? "Error");
      const evalue = String(c.evalue ?? "");
      t.writer.add({
        output_type: "error",
        ename,
        evalue,
        traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
      } as NbOutput);
      t.error(ename, evalue);
      break;
    }
    case "clear_output":
      t.writer.clear(Boolean(c.wait));
      break;
    case "update_display_data": {
      const id = displayIdOf(c);
      const doc = t.doc();
      if (id && doc) {
        t.writer.flush(true);
        updateDisplay(doc, t.displays, id, c.data ?? {}, c.metadata ?? {});
      }
      break;
    }
  }
}
