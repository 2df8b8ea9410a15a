import { A } from "@solidjs/router";

export function NotFoundPage() {
  return (
    <section class="empty">
      <h1>Nothing here</h1>
      <p class="muted">This page does not exist.</p>
      <A href="/" class="btn btn-primary">
        Back to projects
      </A>
    </section>
  );
}
