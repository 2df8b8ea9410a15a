import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../src/args.ts";
import { UsageError } from "../src/command.ts";
import { parameterFromArg, parametersFromFlags, parseParameterValue } from "../src/params.ts";

describe("-p values, read like papermill's", () => {
  it("makes numbers, booleans and null typed values", () => {
    expect(parseParameterValue("0.5")).toBe(0.5);
    expect(parseParameterValue("42")).toBe(42);
    expect(parseParameterValue("-3")).toBe(-3);
    expect(parseParameterValue("1e-3")).toBe(0.001);
    expect(parseParameterValue(".5")).toBe(0.5);
    expect(parseParameterValue("5.")).toBe(5);
    expect(parseParameterValue("0")).toBe(0);
    expect(parseParameterValue("true")).toBe(true);
    expect(parseParameterValue("False")).toBe(false);
    expect(parseParameterValue("null")).toBeNull();
    expect(parseParameterValue("None")).toBeNull();
  });

  it("reads JSON lists and objects, and a double-quoted JSON string as that string", () => {
    expect(parseParameterValue("[1, 2, 3]")).toEqual([1, 2, 3]);
    expect(parseParameterValue('{"layers": [64, 32], "dropout": 0.1}')).toEqual({ layers: [64, 32], dropout: 0.1 });
    expect(parseParameterValue('"42"')).toBe("42");
    expect(parseParameterValue('"true"')).toBe("true");
  });

  it("leaves everything else as the text typed", () => {
    expect(parseParameterValue("abc")).toBe("abc");
    expect(parseParameterValue("")).toBe("");
    expect(parseParameterValue("007")).toBe("007"); // ids and zip codes keep their zeros
    expect(parseParameterValue("1.2.3")).toBe("1.2.3");
    expect(parseParameterValue("0x10")).toBe("0x10");
    expect(parseParameterValue("nan")).toBe("nan"); // JSON has no NaN
    expect(parseParameterValue("inf")).toBe("inf");
    expect(parseParameterValue("TRUE")).toBe("TRUE");
    expect(parseParameterValue("[draft]")).toBe("[draft]");
    expect(parseParameterValue('"unbalanced')).toBe('"unbalanced');
    expect(parseParameterValue("s3://bucket/key=1")).toBe("s3://bucket/key=1");
    expect(parseParameterValue(" 5")).toBe(" 5");
  });

  it("refuses an integer JSON cannot carry exactly, rather than rounding it", () => {
    expect(() => parseParameterValue("12345678901234567890")).toThrow(/too large/);
    expect(parseParameterValue('"12345678901234567890"')).toBe("12345678901234567890");
  });

  it("splits key=value at the first = and checks the key is a Python identifier", () => {
    expect(parameterFromArg("alpha=0.5")).toEqual(["alpha", 0.5]);
    expect(parameterFromArg("query=a=b")).toEqual(["query", "a=b"]);
    expect(parameterFromArg("_x1=")).toEqual(["_x1", ""]);
    expect(() => parameterFromArg("alpha")).toThrow(UsageError);
    expect(() => parameterFromArg("=1")).toThrow(/not a parameter name/);
    expect(() => parameterFromArg("1st=1")).toThrow(/not a parameter name/);
    expect(() => parameterFromArg("learning-rate=1")).toThrow(/not a parameter name/);
  });

  it("reads key:=value as strict JSON", () => {
    expect(parameterFromArg('tags:=["a","b"]')).toEqual(["tags", ["a", "b"]]);
    expect(parameterFromArg("n:=3")).toEqual(["n", 3]);
    expect(parameterFromArg('id:="007"')).toEqual(["id", "007"]);
    expect(() => parameterFromArg("name:=abc")).toThrow(/not JSON/);
  });
});

describe("parameters from a command line", () => {
  it("collects repeated -p, a later one winning, over a --params-file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-params-"));
    try {
      const file = join(dir, "params.json");
      await writeFile(file, JSON.stringify({ alpha: 1, epochs: 10, name: "base" }));
      const { flags } = parseCommandLine(["-p", "alpha=0.5", "--params-file", file, "-p", "name=x", "-p", "name=y"]);
      expect(await parametersFromFlags(flags)).toEqual({ alpha: 0.5, epochs: 10, name: "y" });
      await writeFile(file, "[1]");
      await expect(parametersFromFlags(flags)).rejects.toThrow(/expected a JSON object/);
      await expect(parametersFromFlags({ "params-file": join(dir, "missing.json") })).rejects.toThrow(/Cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("answers undefined when none is given, so that updates can tell 'no change' from 'none'", async () => {
    expect(await parametersFromFlags(parseCommandLine(["run", "nb", "--wait"]).flags)).toBeUndefined();
    expect(await parametersFromFlags(parseCommandLine(["-p", "a=1", "--param", "b=[2]"]).flags)).toEqual({
      a: 1,
      b: [2],
    });
  });

  it("takes a value starting with a dash as the value, and boolean flags eat no word", () => {
    const { flags, positionals } = parseCommandLine(["run", "nb", "--no-stop-on-error", "-p", "lr=-0.01", "x"]);
    expect(positionals).toEqual(["run", "nb", "x"]);
    expect(flags["no-stop-on-error"]).toBe(true);
    expect(flags.p).toEqual(["lr=-0.01"]);
  });
});
