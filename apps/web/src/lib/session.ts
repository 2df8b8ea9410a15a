import type { User } from "@tandem/protocol";
import { createSignal } from "solid-js";
import { ApiError, api, onUnauthenticated } from "./api.ts";

/** Who is signed in: undefined while unknown, null when nobody. */
const [user, setUser] = createSignal<User | null | undefined>(undefined);

export { setUser, user };

// A session that ends while the app is open sends the person back to sign-in.
onUnauthenticated(() => setUser(null));

export async function loadSession(): Promise<User | null> {
  try {
    const me = await api.me();
    setUser(me);
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setUser(null);
      return null;
    }
    throw err;
  }
}

export async function signOut() {
  await api.logout().catch(() => {});
  setUser(null);
}
