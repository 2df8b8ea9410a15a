import type { ErrorBody } from "@tandem/protocol";

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A thin client of the REST API: the CLI talks HTTP like any other client. */
export class TandemClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /** The raw response of a successful request (for text and streamed bodies); errors throw as `request` does. */
  async raw(method: string, path: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/$/, "")}${path}`, {
        method,
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      });
    } catch (err) {
      throw new ApiRequestError(0, "unreachable", `Cannot reach ${this.baseUrl}: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const err = ((await res.json().catch(() => undefined)) as ErrorBody | undefined)?.error;
      throw new ApiRequestError(res.status, err?.code ?? "http_error", err?.message ?? `HTTP ${res.status}`);
    }
    return res;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/$/, "")}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiRequestError(0, "unreachable", `Cannot reach ${this.baseUrl}: ${(err as Error).message}`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      const err = (data as ErrorBody | undefined)?.error;
      throw new ApiRequestError(res.status, err?.code ?? "http_error", err?.message ?? `HTTP ${res.status}`);
    }
    return data as T;
  }

  get = <T>(path: string) => this.request<T>("GET", path);
  post = <T>(path: string, body?: unknown) => this.request<T>("POST", path, body ?? {});
  patch = <T>(path: string, body: unknown) => this.request<T>("PATCH", path, body);
  put = <T>(path: string, body: unknown) => this.request<T>("PUT", path, body);
  delete = (path: string) => this.request<void>("DELETE", path);
}
