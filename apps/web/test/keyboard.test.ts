import { describe, expect, it } from "vitest";
import { CHORD_MS, type ChordState, commandModeCommand, editModeCommand } from "../src/lib/keyboard.ts";

const none: ChordState = { key: null, at: 0 };
const cmd = (key: string, mods: Record<string, boolean> = {}, chord = none, now = 1000) =>
  commandModeCommand({ key, ...mods }, chord, now);

describe("edit mode", () => {
  it("maps the run keys", () => {
    expect(editModeCommand({ key: "Enter", shiftKey: true })).toBe("run-and-advance");
    expect(editModeCommand({ key: "Enter", ctrlKey: true })).toBe("run");
    expect(editModeCommand({ key: "Enter", metaKey: true })).toBe("run");
    expect(editModeCommand({ key: "Enter", altKey: true })).toBe("run-and-insert");
  });
  it("leaves typing to the editor", () => {
    expect(editModeCommand({ key: "Enter" })).toBeNull();
    expect(editModeCommand({ key: "a" })).toBeNull();
    expect(editModeCommand({ key: "d" })).toBeNull();
    expect(editModeCommand({ key: "Enter", shiftKey: true, ctrlKey: true })).toBeNull();
  });
  it("Escape goes to command mode; Ctrl+Shift+- splits", () => {
    expect(editModeCommand({ key: "Escape" })).toBe("enter-command");
    expect(editModeCommand({ key: "-", ctrlKey: true, shiftKey: true })).toBe("split-cell");
  });
});

describe("command mode", () => {
  it("maps single keys", () => {
    expect(cmd("a").command).toBe("insert-above");
    expect(cmd("b").command).toBe("insert-below");
    expect(cmd("m").command).toBe("to-markdown");
    expect(cmd("y").command).toBe("to-code");
    expect(cmd("Enter").command).toBe("enter-edit");
    expect(cmd("ArrowDown").command).toBe("select-next");
    expect(cmd("k").command).toBe("select-prev");
    expect(cmd("M", { shiftKey: true }).command).toBe("merge-below");
    expect(cmd("ArrowUp", { shiftKey: true }).command).toBe("move-up");
    expect(cmd("Enter", { shiftKey: true }).command).toBe("run-and-advance");
  });

  it("deletes on D, D within the chord time only", () => {
    const first = cmd("d");
    expect(first.command).toBeNull();
    expect(first.chord.key).toBe("d");
    expect(cmd("d", {}, first.chord, 1000 + CHORD_MS - 1).command).toBe("delete-cell");
    expect(cmd("d", {}, first.chord, 1000 + CHORD_MS + 1).command).toBeNull();
  });

  it("a different key breaks the chord", () => {
    const first = cmd("d");
    const other = cmd("j", {}, first.chord);
    expect(other.command).toBe("select-next");
    expect(cmd("d", {}, other.chord).command).toBeNull();
  });

  it("I, I interrupts and 0, 0 restarts", () => {
    expect(cmd("i", {}, cmd("i").chord).command).toBe("interrupt");
    expect(cmd("0", {}, cmd("0").chord).command).toBe("restart");
  });

  it("ignores browser shortcuts with Ctrl or Alt (except Ctrl+S)", () => {
    expect(cmd("a", { ctrlKey: true }).command).toBeNull();
    expect(cmd("c", { metaKey: true }).command).toBeNull();
    expect(cmd("b", { altKey: true }).command).toBeNull();
    expect(cmd("s", { ctrlKey: true }).command).toBe("save-version");
  });
});
