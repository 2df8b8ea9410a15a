import { createProject, createUser, HttpClient, startTestServer, type TestServer } from "@tandem/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { addCodeCell, cellSources, connect, sourceOf, until } from "./collab-clients.ts";

const servers: TestServer[] = [];
afterAll(async () => {
  // The restarted server shares the first one's database; the first one drops it, so it goes last.
  for (const s of servers.reverse()) await s.close();
});

describe("durability", () => {
  it("loses no broadcast update when the server is SIGKILLed mid-typing, and restarts to the same document", async () => {
    // Frequent compaction, so the restart reads a snapshot plus a log, not just a log.
    const env = { TANDEM_COLLAB_COMPACT_EVERY: "25" };
    const first = await startTestServer({ process: true, env });
    servers.push(first);
    const owner = await createUser(first.http, "owner");
    const projectId = await createProject(owner.client);
    const id = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "typing" })).body.id as string;

    const writer = connect(first.url, id, { token: owner.token });
    const observer = connect(first.url, id, { token: owner.token });
    await Promise.all([writer.synced(), observer.synced()]);
    addCodeCell(writer.doc, "typed", "");
    await until(() => cellSources(observer.doc).length === 1, "the observer to see the cell");

    // One keystroke per update, as an editor sends them, until the server dies.
    let typing = true;
    let typed = 0;
    const typist = (async () => {
      while (typing) {
        const text = sourceOf(writer.doc, 0);
        text.insert(text.length, `${typed++} `);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    await until(() => sourceOf(observer.doc, 0).length > 1500, "the observer to receive a good deal of typing");
    await first.kill("SIGKILL");
    // Everything the observer holds was broadcast by the server before it died.
    const broadcast = sourceOf(observer.doc, 0).toString();
    typing = false;
    await typist;
    const written = sourceOf(writer.doc, 0).toString();
    // No client may reconnect and hand the lost state back: what the restart shows is the log's.
    writer.destroy();
    observer.destroy();

    const second = await startTestServer({ process: true, database: first.database, env });
    servers.push(second);
    const res = await new HttpClient(second.url, { token: owner.token }).get(`/api/notebooks/${id}/ipynb`);
    expect(res.status).toBe(200);
    expect(res.body.cells).toHaveLength(1);
    const stored = res.body.cells[0].source as string;
    expect(stored.startsWith(broadcast)).toBe(true);
    expect(written.startsWith(stored)).toBe(true);
    expect(stored.length).toBeGreaterThanOrEqual(broadcast.length);

    // And clients joining after the restart get that same document.
    const after = connect(second.url, id, { token: owner.token });
    await after.synced();
    expect(sourceOf(after.doc, 0).toString()).toBe(stored);
    after.destroy();
  });
});
