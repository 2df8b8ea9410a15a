import { randomBytes } from "node:crypto";
import type { HttpClient } from "./http.ts";

export interface TestUser {
  id: string;
  email: string;
  name: string;
  /** A personal API token. */
  token: string;
  /** The session cookie (`tandem_session=…`) from sign-up. */
  cookie: string;
  client: HttpClient;
}

/** Signs a new person up through the API and gives them a token. */
export async function createUser(http: HttpClient, name = "user"): Promise<TestUser> {
  const email = `${name}-${randomBytes(4).toString("hex")}@example.com`;
  const signup = await http.post("/api/auth/signup", { email, name, password: "correct horse battery" });
  if (signup.status !== 201) throw new Error(`sign-up failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  const cookie = (signup.headers.get("set-cookie") ?? "").split(";")[0]!;
  const created = await http.post("/api/tokens", { name: "test" }, { cookie });
  if (created.status !== 201) throw new Error(`token creation failed: ${created.status}`);
  return { ...signup.body, token: created.body.token, cookie, client: http.as({ token: created.body.token }) };
}

/** Creates a project owned by `owner` and adds the others with their roles. */
export async function createProject(
  owner: HttpClient,
  members: { user: TestUser; role: "owner" | "editor" | "viewer" }[] = [],
  name = "Project",
): Promise<string> {
  const res = await owner.post("/api/projects", { name });
  if (res.status !== 201) throw new Error(`project creation failed: ${res.status}`);
  for (const { user, role } of members) {
    const added = await owner.post(`/api/projects/${res.body.id}/members`, { email: user.email, role });
    if (added.status !== 201) throw new Error(`adding member failed: ${added.status}`);
  }
  return res.body.id;
}
