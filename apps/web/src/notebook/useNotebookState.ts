import { cellsOf, KERNEL_MAP, type KernelInfo, kernelInfoOf, type YCell } from "@tandem/notebook";
import { createSignal, onCleanup } from "solid-js";
import type { Awareness } from "y-protocols/awareness";
import type * as Y from "yjs";
import { type PeerState, peersFrom } from "../lib/presence.ts";

/** The list of cell maps, following inserts, deletes and moves from anyone. */
export function useCells(doc: Y.Doc): () => YCell[] {
  const cells = cellsOf(doc);
  const [list, setList] = createSignal<YCell[]>(cells.toArray());
  const onChange = () => setList(cells.toArray());
  cells.observe(onChange);
  onCleanup(() => cells.unobserve(onChange));
  return list;
}

/** Who else is here, and which cell each is on. */
export function usePeers(awareness: Awareness, selfUserId?: string): () => PeerState[] {
  const read = () => peersFrom(awareness.getStates(), awareness.clientID, selfUserId);
  const [peers, setPeers] = createSignal<PeerState[]>(read());
  const onChange = () => setPeers(read());
  awareness.on("change", onChange);
  onCleanup(() => awareness.off("change", onChange));
  return peers;
}

/** The kernel's state as published in the document by the kernel gateway. */
export function useKernel(doc: Y.Doc): () => KernelInfo {
  const [info, setInfo] = createSignal<KernelInfo>(kernelInfoOf(doc), {
    equals: (a, b) =>
      a.status === b.status &&
      a.displayName === b.displayName &&
      a.reason === b.reason &&
      JSON.stringify(a.inputRequest) === JSON.stringify(b.inputRequest),
  });
  const map = doc.getMap(KERNEL_MAP);
  const onChange = () => setInfo(kernelInfoOf(doc));
  map.observe(onChange);
  onCleanup(() => map.unobserve(onChange));
  return info;
}
