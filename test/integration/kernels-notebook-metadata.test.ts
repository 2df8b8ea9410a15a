import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import { addCodeCell, connect, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let projectId: string;

// A host in a Latin-2 locale: kernels must still run in UTF-8.
usePreamble(
  { kernels: true, env: { LANG: "hu_HU.ISO-8859-2", LC_ALL: "hu_HU.ISO-8859-2" }, users: ["owner"], project: {} },
  (p) => {
    ({
      server,
      projectId,
      users: { owner },
    } = p);
  },
  120_000,
);

describe("what a notebook's kernel records", () => {
  it("runs in UTF-8 whatever the host's locale, recorded with the execution; export names the kernel", async () => {
    const nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "utf8" })).body.id;
    const writer = connect(server.url, nb, { token: owner.token });
    await writer.synced();
    addCodeCell(
      writer.doc,
      "enc",
      "import sys, locale, os\nprint(sys.flags.utf8_mode, locale.getpreferredencoding(), os.environ['LC_ALL'], os.environ['LANG'])",
    );
    expect((await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["enc"] })).status).toBe(202);
    await until(
      async () => {
        const s = (await owner.client.get(`/api/notebooks/${nb}/kernel`)).body;
        return s.running === null && s.queued.length === 0 && s.kernel?.execution_state === "idle";
      },
      "cell done",
      60_000,
    );
    const exported = await owner.client.get(`/api/notebooks/${nb}/ipynb`);
    expect(exported.status).toBe(200);
    const cell = exported.body.cells[0];
    const text = cell.outputs.map((o: { text?: string | string[] }) => [o.text ?? ""].flat().join("")).join("");
    expect(text.trim()).toBe("1 utf-8 C.UTF-8 C.UTF-8");
    expect(JSON.stringify(cell.metadata)).toContain('"LC_ALL":"C.UTF-8"');
    expect(exported.body.metadata.kernelspec).toEqual({
      name: "python3",
      display_name: "Python 3 (test)",
      language: "python",
    });
    expect(exported.body.metadata.language_info).toMatchObject({ name: "python", file_extension: ".py" });
    expect(exported.body.metadata.language_info.version).toMatch(/^3\.\d+/);
    writer.destroy();
  });
});
