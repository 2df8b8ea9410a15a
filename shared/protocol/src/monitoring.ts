import { z } from "zod";

export const MetricsWindow = z.enum(["5m", "1h", "24h", "7d"]).meta({ id: "MetricsWindow" });
export type MetricsWindow = z.infer<typeof MetricsWindow>;

const Figures = {
  requests: z.number().int().describe("Requests through the endpoint in the window"),
  rate: z.number().describe("Requests per second over the window"),
  errors: z
    .object({ "4xx": z.number().int(), "5xx": z.number().int() })
    .describe("Answers with a 4xx status (the caller's fault) and with a 5xx one (the model's or Tandem's)"),
  p50: z.number().nullable().describe("Latency quantiles in seconds, from merged histograms (null: no requests)"),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
};

export const VersionMetrics = z
  .object({ version: z.number().int().nullable().describe("null: no version answered"), ...Figures })
  .meta({ id: "VersionMetrics" });

export const DeploymentMetrics = z
  .object({
    window: MetricsWindow,
    ...Figures,
    byVersion: z.array(VersionMetrics),
  })
  .meta({ id: "DeploymentMetrics" });
export type DeploymentMetrics = z.infer<typeof DeploymentMetrics>;

export const LoggedRequest = z
  .object({
    at: z.string().describe("When the request reached the proxy (ISO 8601)"),
    version: z.number().int().nullable(),
    replica: z.string().nullable(),
    status: z.number().int(),
    latency: z.number().describe("Seconds"),
    bytesIn: z.number().int(),
    bytesOut: z.number().int(),
    input: z.string().nullable().describe("The request body (its first 16 KiB)"),
    output: z.string().nullable().describe("The prediction (its first 16 KiB)"),
  })
  .meta({ id: "LoggedRequest" });
export type LoggedRequest = z.infer<typeof LoggedRequest>;

export const RequestLogQuery = z.object({
  status: z.coerce.number().int().min(100).max(599).optional(),
  version: z.coerce.number().int().min(1).optional(),
  since: z.iso.datetime().optional(),
  before: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type RequestLogQuery = z.infer<typeof RequestLogQuery>;
