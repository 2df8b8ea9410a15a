import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { addCodeCell, connect, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let projectId: string;

usePreamble(
  {
    kernels: true,
    env: { TANDEM_OUTPUT_COUNT_LIMIT: "50", TANDEM_OUTPUT_BYTES_LIMIT: "200000" },
    users: ["owner"],
    project: {},
  },
  (p) => {
    ({
      server,
      projectId,
      users: { owner },
    } = p);
  },
);

const cell = (doc: Y.Doc, id: string) =>
  doc
    .getArray<Y.Map<unknown>>("cells")
    .toArray()
    .find((c) => c.get("id") === id)!;
const outputs = (doc: Y.Doc, id: string) => (cell(doc, id).get("outputs") as Y.Array<unknown>).toJSON() as any[];

describe("a display() flood (item 6)", () => {
  it("is capped by count and bytes with a marker, and the next print and the next cell run normally", async () => {
    const nb = (await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "flood" })).body.id;
    const client = connect(server.url, nb, { token: owner.token });
    await client.synced();
    addCodeCell(
      client.doc,
      "flood",
      "for i in range(2000):\n    display({'text/plain': 'w' * 1000}, raw=True)\nprint('after the flood')",
    );
    addCodeCell(client.doc, "next", "print('next cell')");
    const res = await owner.client.post(`/api/notebooks/${nb}/execute`, { cells: ["flood", "next"] });
    expect(res.status).toBe(202);
    await until(() => outputs(client.doc, "next").some((o) => o.text === "next cell\n"), "the next cell", 60_000);
    await until(() => cell(client.doc, "flood").get("execution_state") === "idle", "the flood cell to end");
    const out = outputs(client.doc, "flood");
    const shown = out.filter((o) => o.output_type === "display_data");
    expect(shown.length).toBe(50);
    const marker = out.find((o) => o.name === "stderr" && /outputs .* dropped/.test(o.text));
    expect(marker?.text).toContain("1,950 outputs");
    expect(out.some((o) => o.output_type === "stream" && o.text.includes("after the flood"))).toBe(true);
    expect(cell(client.doc, "next").get("execution_state")).toBe("idle");
    const state = (await owner.client.get(`/api/notebooks/${nb}/kernel`)).body;
    expect(state.running ?? null).toBeNull();
    client.destroy();
    await owner.client.delete(`/api/notebooks/${nb}/kernel`);
  }, 120_000);
});
