import { type AccessEvent, type AccessEvents, currentExpiry, type Identity, kernelRole } from "@tandem/api";
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

/** How often open sockets' credentials are compared with the clock (it may be an injected one). */
const EXPIRY_SWEEP_MS = 1000;

/**
 * Makes access changes reach open WebSockets: each access event re-checks the collab sockets and
 * kernel channels it may concern, closing those whose credential or membership is gone, making
 * read-only (watch-only) those whose role dropped to viewer and writable those promoted to editor.
 * A sweep closes (4401) sockets whose session or token has expired by the server's clock.
 */
export class LiveAccess {
  /** Collab sockets' grants, by the Access object collab keeps for each socket. */
  private readonly collabGrants = new WeakMap<Access, Grant>();
  private readonly unsubscribe: () => void;
  private readonly sweeper: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly d: {
      db: Db;
      collab: Collab;
      kernels: Kernels;
      events: AccessEvents;
      log: Logger;
      clock: () => Date;
    },
  ) {
    this.unsubscribe = d.events.on((event) =>
      this.apply(event).catch((err) => d.log.error({ err, event: event.type }, "applying an access change failed")),
    );
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweepExpired()
        .catch((err) => d.log.error({ err }, "checking open sockets' expiry failed"))
        .finally(() => (this.sweeping = undefined));
    }, EXPIRY_SWEEP_MS);
    this.sweeper.unref();
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
    clearInterval(this.sweeper);
  }

  /** Every open socket with a person's grant, and how to end it. */
  private open(): { who: Identity; close(code: number, reason: string): void }[] {
    const out: { who: Identity; close(code: number, reason: string): void }[] = [];
    for (const conn of this.d.collab.connections()) {
      const grant = this.collabGrants.get(conn.access);
      if (grant) out.push({ who: grant.who, close: (code, reason) => conn.close(code, reason) });
    }
    for (const channel of this.d.kernels.channelConnections()) {
      const grant = channel.grant as Grant | undefined;
      if (grant?.who) out.push({ who: grant.who, close: (code, reason) => channel.close(code, reason) });
    }
    return out;
  }

  /** Closes sockets whose credential has expired; one renewed meanwhile (a session, a token) stays open. */
  private async sweepExpired() {
    const now = this.d.clock();
    for (const socket of this.open()) {
      const { who } = socket;
      if (!who.expiresAt || who.expiresAt > now) continue;
      const expiry = await currentExpiry(this.d.db, who, now);
      if (expiry === undefined) socket.close(CloseCode.unauthenticated, "Your session or token has expired");
      else who.expiresAt = expiry;
    }
  }

  private async apply(event: AccessEvent) {
    if (event.type === "share-link-revoked") {
      for (const conn of this.d.collab.connections())
        if (conn.access.shareLinkId === event.shareLinkId)
          conn.close(CloseCode.forbidden, "The share link was revoked");
      return;
    }
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
      else if (role !== "viewer" && conn.access.readOnly) conn.makeWritable();
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
      else channel.setSending(role !== "viewer");
    }
  }
}
