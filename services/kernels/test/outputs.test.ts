import { cellsOf, cellToY, createNotebookDoc } from "@tandem/notebook";
import { describe, expect, it } from "vitest";
import { OutputWriter } from "../src/outputs.ts";

function setup(limit: number) {
  const doc = createNotebookDoc();
  cellsOf(doc).push([
    cellToY({ id: "c", cell_type: "code", source: "", metadata: {}, outputs: [], execution_count: null }),
  ]);
  const writer = new OutputWriter(() => doc, "c", { streamLimit: limit, flushMs: 1, tailRefreshMs: 0 }, new Map());
  const outputs = () => (cellsOf(doc).get(0).get("outputs") as { toJSON(): any[] }).toJSON();
  return { doc, writer, outputs };
}

describe("output writer", () => {
  it("coalesces stream text per stream name and batches writes", () => {
    const { doc, writer, outputs } = setup(1000);
    let transactions = 0;
    doc.on("afterTransaction", () => transactions++);
    writer.stream("stdout", "a\n");
    writer.stream("stdout", "b\n");
    writer.stream("stderr", "e\n");
    writer.close();
    expect(transactions).toBe(1);
    expect(outputs()).toEqual([
      { output_type: "stream", name: "stdout", text: "a\nb\n" },
      { output_type: "stream", name: "stderr", text: "e\n" },
    ]);
  });

  it("keeps head and tail of a flood, with a marker of what was dropped", () => {
    const { writer, outputs } = setup(400);
    for (let i = 0; i < 10_000; i++) writer.stream("stdout", `${i}\n`);
    writer.close();
    const text = outputs()
      .map((o) => o.text)
      .join("");
    expect(text.startsWith("0\n1\n2\n")).toBe(true);
    expect(text.endsWith("9998\n9999\n")).toBe(true);
    expect(text.length).toBeLessThan(400 + 200);
    const m = /Tandem: ([\d,]+) characters \(([\d,]+) lines\)/.exec(text)!;
    const kept = text.length - m[0].length;
    expect(Number(m[1]!.replaceAll(",", ""))).toBeGreaterThan(48_000 - kept - 200);
  });

  it("clears at once, or with wait=True when the next output comes", () => {
    const { writer, outputs } = setup(1000);
    writer.stream("stdout", "old\n");
    writer.flush();
    writer.clear(true);
    expect(outputs()).toHaveLength(1);
    writer.stream("stdout", "new\n");
    writer.close();
    expect(outputs()).toEqual([{ output_type: "stream", name: "stdout", text: "new\n" }]);
  });
});
