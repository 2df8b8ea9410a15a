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
