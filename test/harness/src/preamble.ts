import { afterAll, beforeAll } from "vitest";
import { pythonKernelspecs } from "./kernels.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";
import { createProject, createUser, type TestUser } from "./users.ts";

/**
 * The integration tests' shared set-up: a server on a fresh database, optionally with the test
 * environment's Python kernelspecs, people signed up with tokens, and a project they share.
 */
export interface PreambleOptions extends TestServerOptions {
  /** Give the server the test environment's ipykernel (pythonKernelspecs, with its options); removed on close. */
  kernels?: boolean | Parameters<typeof pythonKernelspecs>[0];
  /** People to sign up, in order, by name; the first owns the project. */
  users?: string[];
  /** A project owned by the first user, with other users as members in these roles. */
  project?: { name?: string; members?: Record<string, "owner" | "editor" | "viewer"> };
}

export type Kernelspecs = Awaited<ReturnType<typeof pythonKernelspecs>>;

export interface Preamble {
  server: TestServer;
  /** Present with `kernels: true`. */
  specs: Kernelspecs;
  users: Record<string, TestUser>;
  /** The project's id (with `project`). */
  projectId: string;
  /** Creates a notebook in the project as `user` (the project's owner by default) and answers its id. */
  notebook(name: string, user?: TestUser): Promise<string>;
  /** Stops the server (dropping its database) and removes the kernelspecs. */
  close(): Promise<void>;
}

export async function createNotebook(user: TestUser, projectId: string, name: string): Promise<string> {
  const res = await user.client.post(`/api/projects/${projectId}/notebooks`, { name });
  if (res.status !== 201) throw new Error(`notebook creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Starts what `options` asks for; see usePreamble for a test file's hooks. */
export async function startPreamble(options: PreambleOptions = {}): Promise<Preamble> {
  const { kernels, users: names = [], project, ...serverOptions } = options;
  const specs = kernels ? await pythonKernelspecs(kernels === true ? {} : kernels) : undefined;
  const close = async () => {
    await server?.close();
    await specs?.remove();
  };
  let server: TestServer | undefined;
  try {
    server = await startTestServer({ ...serverOptions, env: { ...specs?.env, ...serverOptions.env } });
    const users: Record<string, TestUser> = {};
    for (const name of names) users[name] = await createUser(server.http, name);
    let projectId = "";
    const owner = names[0] ? users[names[0]] : undefined;
    if (project) {
      if (!owner) throw new Error("a preamble project needs a user to own it (users: [...])");
      const members = Object.entries(project.members ?? {}).map(([name, role]) => {
        const user = users[name];
        if (!user) throw new Error(`project member '${name}' is not among the preamble's users`);
        return { user, role };
      });
      projectId = await createProject(owner.client, members, project.name);
    }
    return {
      server,
      specs: specs as Kernelspecs,
      users,
      projectId,
      notebook: (name, user = owner) => {
        if (!user || !projectId) throw new Error("notebook() needs the preamble's project");
        return createNotebook(user, projectId, name);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Registers a test file's beforeAll/afterAll for startPreamble. `ready` receives the preamble once
 * it is up (typically to assign the file's own variables); the returned getter answers it too.
 */
export function usePreamble(
  options: PreambleOptions,
  ready?: (p: Preamble) => void,
  timeoutMs?: number,
): () => Preamble {
  let preamble: Preamble | undefined;
  beforeAll(async () => {
    preamble = await startPreamble(options);
    ready?.(preamble);
  }, timeoutMs);
  afterAll(() => preamble?.close());
  return () => {
    if (!preamble) throw new Error("the preamble is not started yet (use it inside a test or hook)");
    return preamble;
  };
}
