import { describe, expect, it } from "vitest";
import * as outputsModule from "../src/lib/outputs.ts";
import {
  coalesceStreams,
  formatJson,
  imageSrc,
  isLongOutput,
  joinText,
  type Output,
  pickMime,
  tracebackText,
} from "../src/lib/outputs.ts";

describe("pickMime", () => {
  it("prefers the richest renderable type", () => {
    expect(pickMime({ "text/plain": "x", "text/html": "<b>x</b>" })).toBe("text/html");
    expect(pickMime({ "text/plain": "x", "image/png": "AAA" })).toBe("image/png");
    expect(pickMime({ "text/plain": "x", "text/latex": "$x$" })).toBe("text/latex");
    expect(pickMime({ "application/json": {}, "text/plain": "{}" })).toBe("application/json");
  });
  it("falls back to text/plain for widgets, and to +json types", () => {
    expect(pickMime({ "application/vnd.jupyter.widget-view+json": {}, "text/plain": "w" })).toBe("text/plain");
    expect(pickMime({ "application/vnd.vega.v5+json": {} })).toBe("application/vnd.vega.v5+json");
    expect(pickMime({ "application/x-unknown": "" })).toBeNull();
  });
});

describe("output helpers", () => {
  it("joins multiline strings", () => {
    expect(joinText(["a\n", "b"])).toBe("a\nb");
    expect(joinText(undefined)).toBe("");
  });
  it("builds image sources", () => {
    expect(imageSrc("image/png", "iVBO\nRw==")).toBe("data:image/png;base64,iVBORw==");
    expect(imageSrc("image/svg+xml", "<svg/>")).toBe("data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E");
  });
  it("gives a traceback, or the error line when there is none", () => {
    expect(tracebackText({ output_type: "error", ename: "E", evalue: "v", traceback: ["a", "b"] })).toBe("a\nb");
    expect(tracebackText({ output_type: "error", ename: "E", evalue: "v", traceback: [] })).toBe("E: v");
  });
  it("coalesces consecutive streams of the same name", () => {
    const outs: Output[] = [
      { output_type: "stream", name: "stdout", text: "a" },
      { output_type: "stream", name: "stdout", text: ["b", "c"] },
      { output_type: "stream", name: "stderr", text: "e" },
      { output_type: "stream", name: "stdout", text: "d" },
    ];
    expect(coalesceStreams(outs).map((o) => (o.output_type === "stream" ? [o.name, o.text] : null))).toEqual([
      ["stdout", "abc"],
      ["stderr", "e"],
      ["stdout", "d"],
    ]);
  });
  it("collapses long outputs only", () => {
    expect(isLongOutput([{ output_type: "stream", name: "stdout", text: "x\n".repeat(10) }])).toBe(false);
    expect(isLongOutput([{ output_type: "stream", name: "stdout", text: "x\n".repeat(100) }])).toBe(true);
  });
  it("pretty-prints JSON", () => {
    expect(formatJson({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(formatJson('{"a":1}')).toBe('{\n  "a": 1\n}');
  });
});

describe("estimateOutputHeight", () => {
  it("guesses from lines and media, capped at the collapsed height", () => {
    const { estimateOutputHeight, OUTPUT_LINE_PX } = outputsModule;
    expect(estimateOutputHeight([])).toBe(0);
    expect(estimateOutputHeight([{ output_type: "stream", name: "stdout", text: "a\nb\n" }])).toBe(
      2 * OUTPUT_LINE_PX + 8,
    );
    expect(estimateOutputHeight([{ output_type: "display_data", data: { "image/png": "x" } }])).toBe(200);
    expect(estimateOutputHeight([{ output_type: "stream", name: "stdout", text: "x\n".repeat(500) }])).toBe(420);
  });
});

describe("tailOutputs", () => {
  it("keeps the last lines of a long log and counts the ones before", async () => {
    const { tailOutputs } = await import("../src/lib/outputs.ts");
    const log = Array.from({ length: 100 }, (_, i) => `epoch ${i + 1}`).join("\n");
    const out = tailOutputs(
      [
        { output_type: "stream", name: "stdout", text: "start\n" },
        { output_type: "stream", name: "stderr", text: `${log}\n` },
      ],
      20,
    );
    expect(out.hidden).toBe(81);
    expect(out.outputs).toHaveLength(1);
    const text = (out.outputs[0] as { text: string }).text;
    expect(text.startsWith("epoch 81\n")).toBe(true);
    expect(text.endsWith("epoch 100\n")).toBe(true);
  });
});
