import type { Project, Role } from "@tandem/protocol";
import { createResource, createSignal, For, Show } from "solid-js";
import { api } from "../lib/api.ts";
import { user } from "../lib/session.ts";
import { Avatar } from "./Avatar.tsx";
import { ConfirmButton } from "./ConfirmButton.tsx";
import { ErrorNote, messageOf } from "./ErrorNote.tsx";

const ROLES: Role[] = ["owner", "editor", "viewer"];

export function MembersPanel(props: { project: Project }) {
  const [members, { refetch }] = createResource(
    () => props.project.id,
    (id) => api.members(id),
  );
  const [error, setError] = createSignal<string | null>(null);
  const isOwner = () => props.project.role === "owner";

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(messageOf(err));
    }
    await refetch();
  };

  return (
    <section class="panel panel-side" aria-labelledby="members-title">
      <div class="panel-head">
        <h2 id="members-title">Members</h2>
      </div>
      <Show when={isOwner()}>
        <form
          class="stack-sm"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const data = new FormData(form);
            void act(async () => {
              await api.addMember(props.project.id, String(data.get("email")), String(data.get("role")) as Role);
              form.reset();
            });
          }}
        >
          <label class="sr-only" for="member-email">
            Email of the person to add
          </label>
          <input
            id="member-email"
            class="input"
            name="email"
            type="email"
            placeholder="colleague@example.com"
            required
          />
          <div class="inline-form">
            <label class="sr-only" for="member-role">
              Role
            </label>
            <select id="member-role" class="input" name="role">
              <option value="editor">Editor</option>
              <option value="viewer">Viewer</option>
              <option value="owner">Owner</option>
            </select>
            <button class="btn" type="submit">
              Add member
            </button>
          </div>
        </form>
      </Show>
      <ErrorNote error={error()} />
      <ul class="rows" aria-label="Members">
        <For each={members()}>
          {(m) => (
            <li class="row">
              <Avatar name={m.name} id={m.userId} size="sm" />
              <span class="member">
                <span>{m.name}</span>
                <span class="muted small">{m.email}</span>
              </span>
              <span class="spacer" />
              <Show when={isOwner()} fallback={<span class={`badge badge-${m.role}`}>{m.role}</span>}>
                <select
                  class="input input-sm"
                  aria-label={`Role of ${m.name}`}
                  value={m.role}
                  onChange={(e) =>
                    void act(() => api.setMemberRole(props.project.id, m.userId, e.currentTarget.value as Role))
                  }
                >
                  <For each={ROLES}>{(r) => <option value={r}>{r}</option>}</For>
                </select>
              </Show>
              <Show when={isOwner() || m.userId === user()?.id}>
                <ConfirmButton
                  label={m.userId === user()?.id ? "Leave" : "Remove"}
                  ariaLabel={`Remove ${m.name}`}
                  onConfirm={() => act(() => api.removeMember(props.project.id, m.userId))}
                />
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
