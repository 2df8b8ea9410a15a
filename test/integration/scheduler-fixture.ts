import type { HttpClient } from "@tandem/testkit";
import { expect } from "vitest";

/** One notebook cell for an imported .ipynb; `tags` become metadata.tags. */
export function code(id: string, source: string, tags: string[] = []) {
  return {
    cell_type: "code",
    id,
    metadata: tags.length ? { tags } : {},
    source,
    outputs: [],
    execution_count: null,
  };
}

export function markdown(id: string, source: string) {
  return { cell_type: "markdown", id, metadata: {}, source };
}

export function ipynb(cells: unknown[]) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells,
  };
}

/** Imports a notebook into a project; returns its id. */
export async function importNotebook(client: HttpClient, projectId: string, name: string, cells: unknown[]) {
  const res = await client.post(
    `/api/projects/${projectId}/notebooks/import?name=${encodeURIComponent(name)}`,
    ipynb(cells),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const FINISHED = ["succeeded", "failed", "cancelled", "skipped"];

/** Polls a run until it ends (or `until` holds); returns the last view. */
export async function waitForRun(
  client: HttpClient,
  runId: string,
  until: (run: any) => boolean = (run) => FINISHED.includes(run.status),
  timeoutMs = 90_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const res = await client.get(`/api/runs/${runId}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    last = res.body;
    if (until(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Run ${runId} did not get there in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}
