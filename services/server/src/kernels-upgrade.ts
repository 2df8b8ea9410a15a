import type { IncomingMessage } from "node:http";
import { credentialsOf, kernelRole, resolveIdentity } from "@tandem/api";
import type { Db } from "@tandem/db";
import type { Kernels } from "@tandem/kernels";
import { refuseUpgrade, type UpgradeHandler } from "./upgrade.ts";

const PATH = /^\/api\/kernels\/([^/?]+)\/channels\/?$/;

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/**
 * `GET /api/kernels/:id/channels` (Jupyter Server's kernel WebSocket): token or cookie auth;
 * editors may send, viewers of a notebook's kernel may only watch.
 */
export function kernelsUpgrade(db: Db, kernels: Kernels): UpgradeHandler {
  return async (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = PATH.exec(url.pathname);
    if (!match) return false;
    (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const headers = headersOf(req);
    const who = await resolveIdentity(db, credentialsOf(headers, req.url ?? "/"));
    if (!who) {
      refuseUpgrade(socket, 401, "Sign in or send a token");
      return true;
    }
    const origin = headers.get("origin");
    if (who.via === "session" && origin && new URL(origin).host !== headers.get("host")) {
      refuseUpgrade(socket, 403, "Cross-site WebSocket refused");
      return true;
    }
    const kernelId = decodeURIComponent(match[1]!);
    const kernel = kernels.get(kernelId);
    const role = kernel ? await kernelRole(db, who, kernel) : null;
    if (!kernel || !role) {
      refuseUpgrade(socket, 404, "Kernel not found");
      return true;
    }
    if (!kernels.handleChannelsUpgrade(req, socket, head, kernelId, role !== "viewer")) {
      refuseUpgrade(socket, 404, "Kernel not found");
    }
    return true;
  };
}
