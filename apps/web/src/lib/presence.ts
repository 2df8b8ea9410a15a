/** Stable colours for people (the same person has the same colour in every browser). */
export const USER_COLORS = [
  "#e11d48",
  "#2563eb",
  "#16a34a",
  "#d97706",
  "#7c3aed",
  "#0891b2",
  "#db2777",
  "#65a30d",
  "#ea580c",
  "#4f46e5",
] as const;

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export function colorFor(key: string): string {
  return USER_COLORS[hashString(key) % USER_COLORS.length]!;
}

/** The colour with alpha, for selections. */
export function lightColor(hex: string, alpha = 0.25): string {
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, "0");
  return `${hex}${a}`;
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "?";
  if (words.length === 1) return words[0]!.slice(0, 2).toUpperCase();
  return (words[0]![0]! + words[words.length - 1]![0]!).toUpperCase();
}

/** What each client publishes in awareness. */
export interface PresenceUser {
  name: string;
  color: string;
  colorLight: string;
  id?: string;
}

export interface PeerState {
  clientId: number;
  user: PresenceUser;
  cellId: string | null;
}

/** One entry per person (several tabs of the same user collapse), self excluded. */
export function peersFrom(states: Map<number, any>, selfClientId: number, selfUserId?: string): PeerState[] {
  const seen = new Map<string, PeerState>();
  for (const [clientId, state] of states) {
    if (clientId === selfClientId || !state?.user?.name) continue;
    const key = state.user.id ?? `client-${clientId}`;
    if (selfUserId && key === selfUserId) continue;
    if (!seen.has(key)) seen.set(key, { clientId, user: state.user, cellId: state.cell ?? null });
  }
  return [...seen.values()].sort((a, b) => a.user.name.localeCompare(b.user.name));
}
