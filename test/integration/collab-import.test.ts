import {
  checkWithNbformat,
  nbformatFixture,
  nbformatFixtures,
  type TestServer,
  type TestUser,
  usePreamble,
} from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import { cellSources, connect } from "./collab-clients.ts";

// Fixtures made by Python's nbformat (its v3/v4 builders); exports are compared with what it reads.
const fixtures = nbformatFixtures();
const INVALID: Record<string, RegExp> = {
  "invalid_missing_source.ipynb": /cells\[0\].*source/,
  "invalid_cell_id.ipynb": /cells\[0\]\.id/,
  "invalid_unique_cell_id.ipynb": /cells\[1\]\.id/,
  "invalid_metadata.ipynb": /cells\[0\]\.metadata\.collapsed/,
};
const read = (name: string) => JSON.parse(nbformatFixture(name).text);

let server: TestServer;
let owner: TestUser;
let projectId: string;

usePreamble({ users: ["owner"], project: {} }, (p) => {
  ({
    server,
    projectId,
    users: { owner },
  } = p);
});

describe(".ipynb import and export over the API", () => {
  for (const fixture of fixtures.filter((f) => f.read)) {
    const file = fixture.name;
    it(`round-trips ${file} through import, a client, and export to what Python's nbformat reads`, async () => {
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
      // nbformat makes up random ids when it upgrades (v3, 4.0–4.4): the server's stand for them.
      const expected = structuredClone(fixture.read!);
      if (fixture.generated_ids) for (const [i, c] of expected.cells.entries()) c.id = exported.body.cells[i].id;
      expect(exported.body).toEqual(expected);
      expect(checkWithNbformat([exported.body])).toEqual([{ error: null, round_trip_equal: true }]);

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
    await owner.client.post(`/api/projects/${projectId}/notebooks/import`, read("invalid_missing_source.ipynb"));
    expect((await owner.client.get(`/api/projects/${projectId}/notebooks`)).body.length).toBe(before);
  });

  it("refuses what is not a notebook", async () => {
    const res = await owner.client.post(`/api/projects/${projectId}/notebooks/import`, { nbformat: 5 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/nbformat/);
  });
});
