export { pythonKernelspecs } from "@tandem/testkit";

/** An nbformat 4 notebook of code cells; the first is tagged `parameters` when asked (papermill's convention). */
export function notebook(sources: string[], options: { parametersCell?: boolean } = {}) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: sources.map((source, i) => ({
      id: `cell-${i}`,
      cell_type: "code",
      source,
      metadata: i === 0 && options.parametersCell ? { tags: ["parameters"] } : {},
      outputs: [],
      execution_count: null,
    })),
  };
}
