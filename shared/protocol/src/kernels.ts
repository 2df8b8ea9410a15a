import { z } from "zod";

/** Jupyter Server's kernel model (`GET /api/kernels/:id`). */
export const JupyterKernel = z
  .object({
    id: z.string(),
    name: z.string(),
    last_activity: z.string(),
    execution_state: z.string(),
    connections: z.number().int(),
  })
  .meta({ id: "JupyterKernel" });
export type JupyterKernel = z.infer<typeof JupyterKernel>;

export const StartKernelBody = z
  .object({ name: z.string().optional(), path: z.string().optional() })
  .loose()
  .meta({ id: "StartKernelBody" });

export const KernelspecModel = z
  .object({
    name: z.string(),
    spec: z
      .object({
        argv: z.array(z.string()),
        display_name: z.string(),
        language: z.string(),
        interrupt_mode: z.enum(["signal", "message"]),
        env: z.record(z.string(), z.string()),
        metadata: z.record(z.string(), z.unknown()),
      })
      .loose(),
    resources: z.record(z.string(), z.string()),
  })
  .meta({ id: "KernelspecModel" });

export const Kernelspecs = z
  .object({ default: z.string(), kernelspecs: z.record(z.string(), KernelspecModel) })
  .meta({ id: "Kernelspecs" });

export const JupyterSession = z
  .object({
    id: z.string(),
    path: z.string(),
    name: z.string(),
    type: z.string(),
    kernel: JupyterKernel.nullable(),
    notebook: z.object({ path: z.string(), name: z.string() }),
  })
  .meta({ id: "JupyterSession" });

export const CreateSessionBody = z
  .object({
    path: z.string().optional(),
    name: z.string().optional(),
    type: z.string().optional(),
    notebook: z.object({ path: z.string().optional(), name: z.string().optional() }).loose().optional(),
    kernel: z.object({ id: z.string().optional(), name: z.string().optional() }).loose().optional(),
  })
  .loose()
  .meta({ id: "CreateSessionBody" });

export const UpdateSessionBody = CreateSessionBody.meta({ id: "UpdateSessionBody" });

/** `POST /api/notebooks/:id/execute`. */
export const ExecuteBody = z
  .object({
    cells: z.union([z.array(z.string().min(1)).min(1), z.enum(["all", "above", "below"])]),
    cellId: z.string().min(1).optional().describe('The cell "above"/"below" refer to ("below" includes it)'),
    clientId: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("The Yjs client id of the asking browser: input() prompts are addressed to it"),
    allowStdin: z.boolean().optional(),
    kernelspec: z.string().optional().describe("Kernelspec for the notebook's kernel if none is running"),
  })
  .meta({ id: "ExecuteBody" });

export const NotebookKernelState = z
  .object({
    kernel: JupyterKernel.extend({ display_name: z.string() }).nullable(),
    running: z.string().nullable().describe("The cell running now"),
    queued: z.array(z.string()),
  })
  .meta({ id: "NotebookKernelState" });
export type NotebookKernelState = z.infer<typeof NotebookKernelState>;

export const ExecuteAccepted = NotebookKernelState.extend({ cells: z.array(z.string()) }).meta({
  id: "ExecuteAccepted",
});

export const StartNotebookKernelBody = z
  .object({ kernelspec: z.string().optional() })
  .meta({ id: "StartNotebookKernelBody" });

export const SwitchNotebookKernelBody = z
  .object({
    kernelspec: z
      .string()
      .min(1)
      .describe("The kernelspec to move to (an environment's is `tandem-env-<id>`, see GET /api/environments)"),
  })
  .meta({ id: "SwitchNotebookKernelBody" });

export const RestartNotebookKernelBody = z
  .object({ runAll: z.boolean().optional().describe("Run every code cell after the restart") })
  .meta({ id: "RestartNotebookKernelBody" });

export const InputReplyBody = z.object({ value: z.string() }).meta({ id: "InputReplyBody" });

/** `POST /api/notebooks/:id/complete` and `/inspect`: positions count code points, as Jupyter's do. */
export const CompleteBody = z
  .object({
    code: z.string().max(1_000_000),
    cursorPos: z.number().int().nonnegative().describe("Cursor position in code points of `code`"),
  })
  .meta({ id: "CompleteBody" });

export const CompleteReply = z
  .object({
    matches: z.array(z.string()),
    cursorStart: z.number().int(),
    cursorEnd: z.number().int(),
    types: z.array(z.object({ text: z.string(), type: z.string(), signature: z.string() })),
    busy: z.boolean().describe("A cell is running: the kernel was not asked (it answers shell requests in order)"),
  })
  .meta({ id: "CompleteReply" });
export type CompleteReply = z.infer<typeof CompleteReply>;

export const InspectBody = CompleteBody.extend({
  detailLevel: z.union([z.literal(0), z.literal(1)]).optional(),
}).meta({ id: "InspectBody" });

export const InspectReply = z
  .object({ found: z.boolean(), text: z.string(), busy: z.boolean() })
  .meta({ id: "InspectReply" });
export type InspectReply = z.infer<typeof InspectReply>;
