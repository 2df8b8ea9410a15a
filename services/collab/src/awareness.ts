import { createHash } from "node:crypto";
import type { AwarenessEntry } from "./messages.ts";

const COLOURS = [
  "#e6194b",
  "#3cb44b",
  "#4363d8",
  "#f58231",
  "#911eb4",
  "#42d4f4",
  "#f032e6",
  "#469990",
  "#9a6324",
  "#800000",
];

/** A stable colour per user, for clients that do not choose one. */
export function colourOf(key: string): string {
  return COLOURS[createHash("sha1").update(key).digest()[0]! % COLOURS.length]!;
}

export interface AwarenessIdentity {
  /** The user's id, or the share link's for anonymous viewers. */
  key: string;
  name: string;
  readOnly: boolean;
}

/**
 * Awareness carries each user's name, colour, cursor and selected cell. The client chooses its
 * cursor, selection and colour; the server writes the name (and read-only flag) from the
 * authenticated identity, so nobody appears under someone else's name.
 */
export function stampAwareness(entries: AwarenessEntry[], who: AwarenessIdentity): AwarenessEntry[] {
  return entries.map((entry) => {
    if (!entry.state) return entry;
    const given = (entry.state.user ?? {}) as Record<string, unknown>;
    const colour =
      typeof given.color === "string" && /^#[0-9a-fA-F]{3,8}$/.test(given.color) ? given.color : colourOf(who.key);
    return {
      ...entry,
      state: { ...entry.state, user: { ...given, name: who.name, color: colour, readOnly: who.readOnly } },
    };
  });
}
