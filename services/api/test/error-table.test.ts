import { EnvError } from "@tandem/envs";
import { KernelError } from "@tandem/kernels";
import { SchedulerError } from "@tandem/scheduler";
import { MlflowCode, TrackingError } from "@tandem/tracking";
import { type Context, Hono } from "hono";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { mlflowError, renderError, toApiError } from "../src/error-table.ts";

/** A real Hono app whose only route throws `err`, rendered the Tandem or the MLflow way. */
function appThrowing(err: unknown, render: (c: Context, err: unknown, log: pino.Logger) => Response) {
  const lines: string[] = [];
  const log = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
  const app = new Hono();
  app.get("/boom", () => {
    throw err;
  });
  app.onError((e, c) => render(c, e, log));
  return { app, lines };
}

describe("the one error table", () => {
  it("maps each service's typed codes to a status and a client code", () => {
    const cases: [unknown, number, string][] = [
      [new KernelError("kernel_dead", "dead"), 409, "kernel_dead"],
      [new KernelError("no_such_kernelspec", "none"), 400, "bad_request"],
      [new KernelError("not_your_input", "not yours"), 403, "forbidden"],
      [new SchedulerError("not_found", "Job not found"), 404, "not_found"],
      [new EnvError("busy", "in use"), 409, "conflict"],
      [new TrackingError(MlflowCode.notFound, "no run"), 404, "not_found"],
      [new TrackingError(MlflowCode.invalid, "bad filter"), 400, "bad_request"],
    ];
    for (const [err, status, code] of cases) {
      const e = toApiError(err);
      expect([e?.status, e?.code, e?.message]).toEqual([status, code, (err as Error).message]);
    }
  });

  it("answers anything unknown as internal_error, logs it, and sends none of it", async () => {
    const secret = "password=hunter2 at /srv/tandem/services/x.ts:12";
    const { app, lines } = appThrowing(new Error(secret), renderError);
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: "internal_error", message: "Something went wrong on the server" },
    });
    expect(text).not.toContain("hunter2");
    expect(lines.join("")).toContain("request failed");
  });

  it("renders the same errors in MLflow's shape on MLflow paths", async () => {
    const unknown = appThrowing(new TypeError("Cannot read properties of undefined (reading 'secret')"), mlflowError);
    const res = await unknown.app.request("/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error_code: "INTERNAL_ERROR", message: "Something went wrong on the server" });
    expect(text).not.toContain("secret");

    const tracked = await appThrowing(
      new TrackingError(MlflowCode.exists, "Experiment 'x' exists"),
      mlflowError,
    ).app.request("/boom");
    expect(tracked.status).toBe(400);
    expect(await tracked.json()).toEqual({ error_code: "RESOURCE_ALREADY_EXISTS", message: "Experiment 'x' exists" });

    const kernel = await appThrowing(new KernelError("no_such_kernel", "No kernel k1"), mlflowError).app.request(
      "/boom",
    );
    expect(kernel.status).toBe(404);
    expect(await kernel.json()).toEqual({ error_code: "RESOURCE_DOES_NOT_EXIST", message: "No kernel k1" });
  });
});
