/** Prints records as JSON (`--json`) or as an aligned table of the chosen columns. */
export function print(data: unknown, json: boolean, columns?: string[]) {
  if (json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const rows = (Array.isArray(data) ? data : [data]) as Record<string, unknown>[];
  if (!rows.length) {
    process.stdout.write("(none)\n");
    return;
  }
  const cols = columns ?? Object.keys(rows[0]!);
  const cells = [cols, ...rows.map((r) => cols.map((c) => (r[c] == null ? "" : String(r[c]))))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => (row[i] as string).length)));
  for (const row of cells) {
    process.stdout.write(
      `${row
        .map((v, i) => (v as string).padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
}

/** A duration for people: `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export function duration(ms: number | null | undefined): string {
  if (ms == null) return "";
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad((s % 3600) / 60)}m`;
}
