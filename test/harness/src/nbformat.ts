import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { testPython } from "./kernels.ts";

/** A notebook file made with Python's nbformat (test/harness/src/nbformat_fixtures.py). */
export interface NbformatFixture {
  name: string;
  /** The file's text, as nbformat writes it. */
  text: string;
  /** Valid ones: the notebook as Python's nbformat reads it, upgraded to 4.5. */
  read?: Record<string, unknown> & { cells: Record<string, unknown>[] };
  /** Valid ones: whether nbformat made up the cell ids (v3, or 4.0–4.4), so they can't be compared. */
  generated_ids?: boolean;
  /** Invalid ones: nbformat's validator's complaint. */
  error?: string;
}

const script = join(import.meta.dirname, "nbformat_fixtures.py");

function python(command: "make" | "check", input?: string): string {
  if (!existsSync(testPython)) {
    throw new Error(
      `No Python test environment at ${testPython}: run \`bash scripts/setup-test-env.sh\` (installs nbformat from test/requirements.txt)`,
    );
  }
  try {
    return execFileSync(testPython, ["-W", "ignore", script, command], {
      input,
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    throw new Error(
      `Python's nbformat failed (${(err as Error).message}); install it with \`uv pip install --python .venv-test/bin/python -r test/requirements.txt\``,
    );
  }
}

let made: NbformatFixture[] | undefined;

/** The fixtures, made once per test file by Python's nbformat v3/v4 builders. */
export function nbformatFixtures(): NbformatFixture[] {
  made ??= JSON.parse(python("make")) as NbformatFixture[];
  return made;
}

export function nbformatFixture(name: string): NbformatFixture {
  const found = nbformatFixtures().find((f) => f.name === name);
  if (!found) throw new Error(`no nbformat fixture named ${name}`);
  return found;
}

/** Writes a fixture into a directory, answering its path. */
export async function writeNbformatFixture(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, nbformatFixture(name).text);
  return path;
}

/** What Python's nbformat says of notebooks: its validator's complaint (null: valid), and whether it writes and reads each back unchanged. */
export function checkWithNbformat(notebooks: unknown[]): { error: string | null; round_trip_equal: boolean }[] {
  return JSON.parse(python("check", JSON.stringify(notebooks)));
}
