/** What MLflow's SQL store writes for ±inf: the largest finite double, so comparisons stay total. */
export const MAX_DOUBLE = 1.7976931348623157e308;

/** A metric value as stored: NaN becomes (0, isNan), ±inf becomes ±max double, as in MLflow. */
export function storedValue(v: number): { value: number; isNan: boolean } {
  if (Number.isNaN(v)) return { value: 0, isNan: true };
  if (v === Number.POSITIVE_INFINITY) return { value: MAX_DOUBLE, isNan: false };
  if (v === Number.NEGATIVE_INFINITY) return { value: -MAX_DOUBLE, isNan: false };
  return { value: v, isNan: false };
}

export const readValue = (value: number, isNan: boolean) => (isNan ? Number.NaN : value);

/** Accepts a JSON number or protobuf-JSON's "NaN"/"Infinity"/"-Infinity"/"1.5" strings. */
export function parseDouble(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity" || v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity" || v === "-inf") return Number.NEGATIVE_INFINITY;
  const n = Number(v);
  return v.trim() !== "" && Number.isFinite(n) ? n : undefined;
}

/** Accepts an int64 as a JSON number or a string (protobuf JSON writes int64 as strings). */
export function parseInt64(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}
