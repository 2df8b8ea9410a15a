import { randomUUID } from "node:crypto";

/** A Jupyter Server session: a path (notebook, console) bound to a kernel. */
export interface JupyterSession {
  id: string;
  path: string;
  name: string;
  type: string;
  kernelId: string;
  userId: string;
}

/** Jupyter sessions live as long as their kernel: in memory, like Jupyter Server's own. */
export class Sessions {
  private readonly byId = new Map<string, JupyterSession>();

  list(): JupyterSession[] {
    return [...this.byId.values()];
  }

  get(id: string): JupyterSession | undefined {
    return this.byId.get(id);
  }

  findByPath(userId: string, path: string): JupyterSession | undefined {
    return this.list().find((s) => s.userId === userId && s.path === path);
  }

  create(s: Omit<JupyterSession, "id">): JupyterSession {
    const session = { ...s, id: randomUUID() };
    this.byId.set(session.id, session);
    return session;
  }

  update(id: string, patch: Partial<Omit<JupyterSession, "id" | "userId">>): JupyterSession | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    Object.assign(s, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    return s;
  }

  delete(id: string): JupyterSession | undefined {
    const s = this.byId.get(id);
    this.byId.delete(id);
    return s;
  }

  /** Sessions whose kernel is gone go with it. */
  dropKernel(kernelId: string) {
    for (const s of this.list()) if (s.kernelId === kernelId) this.byId.delete(s.id);
  }
}
