/** What a test checks of an HTTP answer: status, parsed JSON body, headers. */
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  cookie?: string;
  body?: unknown;
  /** Sent as-is (for malformed-input tests). */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** A small HTTP client for tests, bound to one server and (optionally) one identity. */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    readonly auth: { token?: string; cookie?: string } = {},
  ) {}

  as(auth: { token?: string; cookie?: string }): HttpClient {
    return new HttpClient(this.baseUrl, auth);
  }

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult<T>> {
    const token = opts.token ?? this.auth.token;
    const cookie = opts.cookie ?? this.auth.cookie;
    const headers: Record<string, string> = { ...opts.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (cookie) headers.cookie = cookie;
    let body: BodyInit | undefined = opts.rawBody as BodyInit | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    } else if (body !== undefined) headers["content-type"] ??= "application/json";
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: "manual" });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = any>(path: string, opts?: RequestOptions) => this.request<T>("GET", path, opts);
  post = <T = any>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>("POST", path, { ...opts, body: body ?? {} });
  patch = <T = any>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>("PATCH", path, { ...opts, body: body ?? {} });
  put = <T = any>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>("PUT", path, { ...opts, body: body ?? {} });
  delete = <T = any>(path: string, opts?: RequestOptions) => this.request<T>("DELETE", path, opts);
}
