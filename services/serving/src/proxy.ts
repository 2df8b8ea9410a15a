import type { DeploymentRuntime } from "./runtime.ts";
import type { Invocation } from "./serving.ts";
import type { DeploymentRow } from "./store.ts";

/** Names the version that answered (and the deployment), on every proxied response. */
export const VERSION_HEADER = "x-tandem-model-version";

/** What the proxy tells the recorder about the answer (filled in as it goes). */
export interface Answered {
  replica: string | null;
  version: number | null;
  /** The replica's response body (the recorder may sample it into the request log). */
  body: ArrayBuffer | null;
}

const mlflowError = (status: number, error_code: string, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error_code, message }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/**
 * Forwards one request to a ready replica (MLflow's scoring protocol passes through untouched).
 * `/ping` and `/health` answer from the replicas' states; a replica that vanishes mid-request is
 * replaced by another once; past the deployment's timeout the answer is 504.
 */
export async function invoke(
  rt: DeploymentRuntime | undefined,
  row: DeploymentRow,
  op: string,
  req: Invocation,
  answered: Answered = { replica: null, version: null, body: null },
): Promise<Response> {
  if (op === "ping" || op === "health") {
    const ok = !!rt?.hasReady();
    return new Response(ok ? "\n" : "No replica is ready\n", { status: ok ? 200 : 503 });
  }
  if (op !== "invocations" && op !== "version")
    return mlflowError(404, "ENDPOINT_NOT_FOUND", `No endpoint /deployments/${row.name}/${op}`);
  if (op === "invocations" && req.method !== "POST")
    return mlflowError(405, "BAD_REQUEST", "Invocations take POST", { allow: "POST" });
  for (let attempt = 0; attempt < 2; attempt++) {
    const replica = rt?.pick();
    if (!replica)
      return mlflowError(
        503,
        "TEMPORARILY_UNAVAILABLE",
        row.desired === "stopped"
          ? `Deployment '${row.name}' is stopped`
          : `Deployment '${row.name}' has no ready replica`,
      );
    replica.inflight++;
    answered.replica = replica.id;
    answered.version = replica.version;
    try {
      const res = await fetch(`${replica.url}/${op}`, {
        method: op === "version" ? "GET" : "POST",
        headers: req.contentType ? { "content-type": req.contentType } : {},
        body: op === "version" ? undefined : req.body,
        signal: AbortSignal.timeout(row.timeoutMs),
      });
      const body = await res.arrayBuffer();
      answered.body = body;
      const headers: Record<string, string> = { [VERSION_HEADER]: String(replica.version) };
      const type = res.headers.get("content-type");
      if (type) headers["content-type"] = type;
      return new Response(body, { status: res.status, headers });
    } catch (err) {
      const name = (err as Error).name;
      if (name === "TimeoutError" || name === "AbortError")
        return mlflowError(504, "DEADLINE_EXCEEDED", `The model did not answer within ${row.timeoutMs} ms`, {
          [VERSION_HEADER]: String(replica.version),
        });
      // The replica went away (crashed, being replaced): another one may answer.
    } finally {
      replica.inflight--;
    }
  }
  return mlflowError(503, "TEMPORARILY_UNAVAILABLE", `Deployment '${row.name}' lost its replica; try again`);
}
