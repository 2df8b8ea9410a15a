import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { normalizeNbformat } from "@tandem/notebook";
import { createProject, createUser, repoRoot, startTestServer, type TestServer, type TestUser } from "@tandem/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cellSources, connect } from "./collab-clients.ts";

// CI keeps the corpus beside the clone; NBFORMAT_CORPUS points elsewhere (e.g. from a git worktree).
const corpus = process.env.NBFORMAT_CORPUS ?? join(repoRoot, "../shared/corpus/nbformat");
const files = (() => {
  try {
    return readdirSync(corpus).filter((f) => f.endsWith(".ipynb"));
  } catch {
    throw new Error(
      `The nbformat corpus is missing: expected it at ${corpus} (../shared/corpus/nbformat beside the clone), or set NBFORMAT_CORPUS`,
    );
  }
})();
const INVALID: Record<string, RegExp> = {
  "invalid.ipynb": /cells\[0\].*source/,
  "invalid_cell_id.ipynb": /cells\[0\]\.id/,
  "invalid_unique_cell_id.ipynb": /cells\[1\]\.id/,
  "v4_5_invalid_metadata.ipynb": /cells\[0\]\.metadata\.collapsed/,
};
const read = (f: string) => JSON.parse(readFileSync(join(corpus, f), "utf8"));

let server: TestServer;
let owner: TestUser;
let projectId: string;

beforeAll(async () => {
  server = await startTestServer();
  owner = await createUser(server.http, "owner");
  projectId = await createProject(owner.client);
});
afterAll(() => server?.close());

describe(".ipynb import and export over the API", () => {
  for (const file of files.filter((f) => !(f in INVALID))) {
    it(`round-trips ${file} through import, a client, and export`, async () => {
      const original = read(file);
      const imported = await owner.client.post(
        `/api/projects/${projectId}/notebooks/import?name=${encodeURIComponent(file)}`,
        original,
      );
      expect(imported.status).toBe(201);
      expect(imported.body.name).toBe(file);
      const id = imported.body.id as string;

      const exported = await owner.client.get(`/api/notebooks/${id}/ipynb`);
      expect(exported.status).toBe(200);
      const expected = normalizeNbformat(original) as { cells: { id: string }[] };
      // Ids nbformat would generate (none in the file) are the server's; all others are kept.
      expected.cells.forEach((c, i) => {
        if (original.nbformat === 3 || !original.cells[i].id) c.id = exported.body.cells[i].id;
      });
      expect(exported.body).toEqual(expected);

      // A stock client sees the same cells.
      const client = connect(server.url, id, { token: owner.token });
      await client.synced();
      expect(cellSources(client.doc)).toEqual(
        exported.body.cells.map((c: { source?: string }) => String(c.source ?? "undefined")),
      );
      client.destroy();
    });
  }

  for (const [file, field] of Object.entries(INVALID)) {
    it(`refuses ${file} with an error naming the field`, async () => {
      const res = await owner.client.post(`/api/projects/${projectId}/notebooks/import`, read(file));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.message).toMatch(field);
    });
  }

  it("leaves no notebook behind after a refused import", async () => {
    const before = (await owner.client.get(`/api/projects/${projectId}/notebooks`)).body.length;
    await owner.client.post(`/api/projects/${projectId}/notebooks/import`, read("invalid.ipynb"));
    expect((await owner.client.get(`/api/projects/${projectId}/notebooks`)).body.length).toBe(before);
  });

  it("refuses what is not a notebook", async () => {
    const res = await owner.client.post(`/api/projects/${projectId}/notebooks/import`, { nbformat: 5 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/nbformat/);
  });
});
