import * as Y from "yjs";
import { metaOf, SERVER_ORIGIN } from "./schema.ts";
import type { JsonObject } from "./types.ts";

/**
 * Writes the notebook-level `metadata.kernelspec` and `metadata.language_info` of the kernel that
 * runs it, as Jupyter does, so JupyterLab, papermill and nbconvert accept the exported file.
 */
export function setKernelMetadata(
  doc: Y.Doc,
  kernelspec: { name: string; display_name: string; language?: string },
  languageInfo: JsonObject | undefined,
  origin: unknown = SERVER_ORIGIN,
) {
  doc.transact(() => {
    const meta = metaOf(doc);
    let metadata = meta.get("metadata");
    if (!(metadata instanceof Y.Map)) {
      const plain = metadata && typeof metadata === "object" ? Object.entries(metadata as JsonObject) : [];
      metadata = new Y.Map(plain);
      meta.set("metadata", metadata);
    }
    const m = metadata as Y.Map<unknown>;
    const spec: JsonObject = { name: kernelspec.name, display_name: kernelspec.display_name };
    if (kernelspec.language) spec.language = kernelspec.language;
    if (JSON.stringify(m.get("kernelspec")) !== JSON.stringify(spec)) m.set("kernelspec", spec);
    if (languageInfo && JSON.stringify(m.get("language_info")) !== JSON.stringify(languageInfo))
      m.set("language_info", languageInfo);
  }, origin);
}
