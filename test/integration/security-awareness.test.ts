import { type TestServer, type TestUser, usePreamble } from "@tandem/testkit";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { connect, until } from "./collab-clients.ts";

let server: TestServer;
let owner: TestUser;
let viewer: TestUser;
let projectId: string;

usePreamble({ users: ["owner", "viewer"], project: { members: { viewer: "viewer" } } }, (p) => {
  ({
    server,
    projectId,
    users: { owner, viewer },
  } = p);
});

/** A y-websocket awareness message announcing `state` under someone else's client id. */
function forgedAwareness(clientId: number, state: Record<string, unknown> | null, clock = 100): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const fake = new awarenessProtocol.Awareness(doc);
  if (state) fake.setLocalState(state);
  else fake.setLocalState(null);
  // Force a clock above the victim's, as an attacker would.
  const meta = fake.meta.get(clientId)!;
  meta.clock = clock;
  const update = awarenessProtocol.encodeAwarenessUpdate(fake, [clientId]);
  fake.destroy();
  doc.destroy();
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // messageAwareness
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

describe("awareness slots (item 9)", () => {
  it("a viewer cannot move or remove another client's cursor", async () => {
    const nb = await owner.client.post(`/api/projects/${projectId}/notebooks`, { name: "nb" });
    const id = nb.body.id as string;
    const victim = connect(server.url, id, { token: owner.token });
    const attacker = connect(server.url, id, { token: viewer.token });
    const observer = connect(server.url, id, { token: owner.token });
    await Promise.all([victim.synced(), attacker.synced(), observer.synced()]);
    victim.provider.awareness.setLocalStateField("cursor", { cell: "c1", offset: 3 });
    await until(
      () => (observer.provider.awareness.getStates().get(victim.doc.clientID) as any)?.cursor?.offset === 3,
      "the victim's cursor",
    );

    const ws = attacker.provider.ws!;
    ws.send(forgedAwareness(victim.doc.clientID, { cursor: { cell: "c1", offset: 999 }, user: { name: "owner" } }));
    ws.send(forgedAwareness(victim.doc.clientID, null, 200));
    // Frames of one socket are handled in order: once the observer sees this, the forgeries were handled.
    attacker.provider.awareness.setLocalStateField("probe", 1);
    await until(
      () => (observer.provider.awareness.getStates().get(attacker.doc.clientID) as any)?.probe === 1,
      "the attacker's own presence",
    );
    const seen = observer.provider.awareness.getStates().get(victim.doc.clientID) as any;
    expect(seen.cursor).toEqual({ cell: "c1", offset: 3 });
    expect(seen.user.name).toBe("owner");
    // The attacker's own presence is stamped with their identity.
    expect((observer.provider.awareness.getStates().get(attacker.doc.clientID) as any).user).toMatchObject({
      name: "viewer",
      readOnly: true,
    });
    // The victim still moves their own cursor.
    victim.provider.awareness.setLocalStateField("cursor", { cell: "c1", offset: 4 });
    await until(
      () => (observer.provider.awareness.getStates().get(victim.doc.clientID) as any)?.cursor?.offset === 4,
      "the victim's next cursor",
    );
    for (const c of [victim, attacker, observer]) c.destroy();
  });
});
