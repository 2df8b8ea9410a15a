import { type AccessEvent, type AccessEvents, type Identity, kernelRole } from "@tandem/api";
import { type Access, CloseCode, type Collab } from "@tandem/collab";
import type { Db } from "@tandem/db";
import type { Kernels } from "@tandem/kernels";
import { notebookRole } from "@tandem/projects";
import type { Logger } from "pino";

/** Who opened a socket, kept with it so that a later revocation can be checked against it. */
export interface Grant {
  who: Identity;
}

/** Kernel channels close with this when access is gone (as collab's 4403: the client should not retry). */
export const KERNEL_CLOSE_REVOKED = 4403;
export const KERNEL_CLOSE_UNAUTHENTICATED = 4401;

/**
 * Makes revocation reach open WebSockets: each access event re-checks the collab sockets and
 * kernel channels it may concern, closing those whose credential or membership is gone and making
 * read-only those whose role dropped to viewer. Promotions take effect on the next connection.
 */
export class LiveAccess {
  /** Collab sockets' grants, by the Access object collab keeps for each socket. */
  private readonly collabGrants = new WeakMap<Access, Grant>();
  private readonly unsubscribe: () => void;

  constructor(private readonly d: { db: Db; collab: Collab; kernels: Kernels; events: AccessEvents; log: Logger }) {
    this.unsubscribe = d.events.on((event) =>
      this.apply(event).catch((err) => d.log.error({ err, event: event.type }, "applying an access change failed")),
    );
  }

  /** Remembers who opened a collab socket (called by the upgrade handler before handing it over). */
  grantCollab(access: Access, who: Identity): Access {
    this.collabGrants.set(access, { who });
    return access;
  }

  /** The grant to attach to a kernel channel socket. */
  grantKernel(who: Identity): Grant {
    return { who };
  }

  close() {
    this.unsubscribe();
  }

  private async apply(event: AccessEvent) {
    const credentialGone = (who: Identity) =>
      (event.type === "token-revoked" && who.tokenId === event.tokenId) ||
      (event.type === "session-ended" && who.sessionId === event.sessionId) ||
      (event.type === "user-disabled" && who.user.id === event.userId);

    for (const conn of this.d.collab.connections()) {
      const grant = this.collabGrants.get(conn.access);
      if (!grant || grant.who.user.id !== event.userId) continue;
      if (credentialGone(grant.who)) {
        conn.close(CloseCode.unauthenticated, "Your access was revoked");
        continue;
      }
      if (event.type !== "membership-changed") continue;
      const role = await notebookRole(this.d.db, grant.who, conn.access.notebookId);
      if (!role) conn.close(CloseCode.forbidden, "You no longer have access to this notebook");
      else if (role === "viewer" && !conn.access.readOnly) conn.makeReadOnly();
    }

    for (const channel of this.d.kernels.channelConnections()) {
      const grant = channel.grant as Grant | undefined;
      if (!grant?.who || grant.who.user.id !== event.userId) continue;
      if (credentialGone(grant.who)) {
        channel.close(KERNEL_CLOSE_UNAUTHENTICATED, "Your access was revoked");
        continue;
      }
      if (event.type !== "membership-changed") continue;
      const kernel = this.d.kernels.get(channel.kernelId);
      if (kernel?.projectId && kernel.projectId !== event.projectId) continue;
      const role = kernel ? await kernelRole(this.d.db, grant.who, kernel) : null;
      if (!role) channel.close(KERNEL_CLOSE_REVOKED, "You no longer have access to this kernel");
      else if (role === "viewer") channel.stopSending();
    }
  }
}
