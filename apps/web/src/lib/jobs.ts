/** Pure helpers of the runs and jobs pages: cron in words, parameter rows, durations, run ids. */
import type { Parameters } from "@tandem/protocol";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const num = (s: string, max: number): number | null => (/^\d+$/.test(s) && Number(s) <= max ? Number(s) : null);
const pad = (n: number) => String(n).padStart(2, "0");
const ordinal = (n: number) =>
  `${n}${n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th")}`;

/** Comma-separated plain numbers (no ranges or steps), or null. */
function list(field: string, max: number): number[] | null {
  const parts = field.split(",").map((p) => num(p, max));
  return parts.every((p) => p !== null) ? (parts as number[]) : null;
}

function days(field: string): string | null {
  if (field === "1-5") return "weekday";
  if (field === "0,6" || field === "6,0" || field === "6,7" || field === "6-7") return "Saturday and Sunday";
  const m = /^(\d)-(\d)$/.exec(field);
  if (m) {
    const [a, b] = [Number(m[1]) % 7, Number(m[2]) % 7];
    return `${DAYS[a]} to ${DAYS[b]}`;
  }
  const l = list(field, 7);
  if (!l) return null;
  const names = l.map((d) => DAYS[d % 7]!);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/**
 * A five-field cron (or a nickname) in words, e.g. "Every weekday at 09:00"; null when the
 * expression is not one of the common shapes (the page then shows the expression alone).
 */
export function describeCron(expression: string): string | null {
  const raw = expression.trim().replace(/\s+/g, " ");
  const cron = NICKNAMES[raw.toLowerCase()] ?? raw;
  const fields = cron.split(" ");
  if (fields.length !== 5) return null;
  const [min, hour, dom, mon, dow] = fields as [string, string, string, string, string];

  if (dom === "*" && mon === "*" && dow === "*") {
    if (min === "*" && hour === "*") return "Every minute";
    const everyMin = /^\*\/(\d+)$/.exec(min);
    if (everyMin && hour === "*") return `Every ${everyMin[1]} minutes`;
    const m = num(min, 59);
    if (m === null) return null;
    if (hour === "*") return m === 0 ? "Every hour" : `Every hour at minute ${m}`;
    const everyHour = /^\*\/(\d+)$/.exec(hour);
    if (everyHour) return `Every ${everyHour[1]} hours${m ? ` at minute ${m}` : ""}`;
  }
  const m = num(min, 59);
  const hours = list(hour, 23);
  if (m === null || !hours) return null;
  const times = hours.map((h) => `${pad(h)}:${pad(m)}`);
  const at = `at ${times.length === 1 ? times[0] : `${times.slice(0, -1).join(", ")} and ${times.at(-1)}`}`;

  if (dom === "*" && mon === "*") {
    if (dow === "*") return `Every day ${at}`;
    const d = days(dow);
    return d ? `Every ${d} ${at}` : null;
  }
  if (dow !== "*") return null;
  const day = num(dom, 31);
  if (day === null || day === 0) return null;
  if (mon === "*") return `Monthly on the ${ordinal(day)} ${at}`;
  const month = num(mon, 12);
  if (month === null || month === 0) return null;
  return `Every year on ${MONTHS[month - 1]} ${day} ${at}`;
}

/** One row of a parameters editor: the value is typed as JSON (plain text is taken as a string). */
export interface ParameterRow {
  key: string;
  value: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type ParsedParameters = { ok: true; value: Parameters } | { ok: false; error: string };

/**
 * Rows to parameters. A value is JSON (`0.1`, `true`, `"text"`, `[1, 2]`, `{"a": 1}`, `null`);
 * anything that is not JSON and does not look like it was meant to be is taken as text, so
 * `adam` works as well as `"adam"`. Blank rows are ignored.
 */
export function parseParameters(rows: ParameterRow[]): ParsedParameters {
  const value: Parameters = {};
  for (const row of rows) {
    const key = row.key.trim();
    const text = row.value.trim();
    if (!key && !text) continue;
    if (!key) return { ok: false, error: `The value ${text} has no name` };
    if (!IDENTIFIER.test(key))
      return { ok: false, error: `"${key}" is not a valid parameter name (letters, digits and _, not first a digit)` };
    if (key in value) return { ok: false, error: `"${key}" is given twice` };
    if (!text) return { ok: false, error: `"${key}" has no value (write "" for an empty string)` };
    try {
      value[key] = JSON.parse(text);
    } catch {
      if (/^[[{"]/.test(text)) return { ok: false, error: `The value of "${key}" is not valid JSON` };
      value[key] = text;
    }
  }
  return { ok: true, value };
}

/** How a value is written in a row: JSON, except text that reads back as itself unquoted. */
export function formatParameterValue(v: unknown): string {
  if (typeof v === "string") {
    const plain = v !== "" && v.trim() === v && !/^[[{"]/.test(v);
    if (plain) {
      try {
        JSON.parse(v);
      } catch {
        return v;
      }
    }
  }
  return JSON.stringify(v);
}

export function parameterRows(parameters: Record<string, unknown>): ParameterRow[] {
  return Object.entries(parameters).map(([key, v]) => ({ key, value: formatParameterValue(v) }));
}

/** `lr=0.1, optimizer=adam`, for a table cell. */
export function parametersInline(parameters: Record<string, unknown>, max = 80): string {
  const text = Object.entries(parameters)
    .map(([k, v]) => `${k}=${formatParameterValue(v)}`)
    .join(", ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const total = Math.round(s);
  if (total < 3600) return `${Math.floor(total / 60)} min ${pad(total % 60)} s`;
  const mins = Math.floor(total / 60);
  if (mins < 24 * 60) return `${Math.floor(mins / 60)} h ${pad(mins % 60)} min`;
  return `${Math.floor(mins / 1440)} d ${Math.floor((mins % 1440) / 60)} h`;
}

/** How long a run has taken so far (or took), from its timestamps. */
export function elapsed(
  run: { startedAt: string | null; finishedAt: string | null; durationMs: number | null },
  now = Date.now(),
): number | null {
  if (run.durationMs !== null) return run.durationMs;
  if (!run.startedAt) return null;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return Math.max(0, end - Date.parse(run.startedAt));
}

export const ACTIVE_STATUSES = ["queued", "running"] as const;
export const isActive = (status: string) => status === "queued" || status === "running";

/** Notebook runs have UUIDs; experiment (tracking) runs have MLflow's 32 hex digits. */
export const isExperimentRunId = (id: string) => /^[0-9a-f]{32}$/i.test(id);
export const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** The IANA time zones this browser knows (for the time zone field's suggestions). */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

/** A fire time as the schedule sees it: in the job's time zone, named ("Thu, Dec 3, 02:00 GMT+1"). */
export function formatInZone(iso: string, timeZone: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts: Intl.DateTimeFormatOptions = {
    weekday: "short",
    month: "short",
    day: "numeric",
    year: d.getFullYear() === new Date().getFullYear() ? undefined : "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  };
  try {
    return new Intl.DateTimeFormat(locale, { ...opts, timeZone }).format(d);
  } catch {
    return new Intl.DateTimeFormat(locale, opts).format(d);
  }
}
