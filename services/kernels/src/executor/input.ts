import type { InputRequest } from "@tandem/notebook";
import { KernelError } from "../errors.ts";
import type { Kernel } from "../kernel.ts";
import { RawMessage } from "../wire.ts";
import type { PublishedState } from "./document.ts";
import type { RunningCell } from "./running-cell.ts";

/** Shows a running cell's input() prompt in the document, addressed to the browser that ran it. */
export function publishInputRequest(state: PublishedState, r: RunningCell, msg: RawMessage) {
  r.input = msg;
  const c = msg.message().content;
  void state
    .publish({
      input_request: {
        cellId: r.cellId,
        prompt: String(c.prompt ?? ""),
        password: Boolean(c.password),
        clientId: r.queued.clientId ?? null,
        userId: r.queued.user.id,
      } satisfies InputRequest,
    })
    .catch(() => {});
}

/** Answers the pending input() of the running cell; false when none is waiting. */
export async function answerInput(
  state: PublishedState,
  kernel: Kernel | undefined,
  r: RunningCell | undefined,
  userId: string,
  value: string,
): Promise<boolean> {
  if (!r?.input || !kernel) return false;
  if (r.queued.user.id !== userId)
    throw new KernelError("not_your_input", "Only the person who ran the cell can answer its input");
  const request = r.input;
  r.input = undefined;
  await kernel.send("stdin", withParent(kernel.message("input_reply", { value }), request));
  await state.publish({ input_request: undefined });
  return true;
}

function withParent(msg: RawMessage, parent: RawMessage): RawMessage {
  const m = msg.message();
  return RawMessage.from({ header: m.header, parent_header: parent.header, metadata: m.metadata, content: m.content });
}
