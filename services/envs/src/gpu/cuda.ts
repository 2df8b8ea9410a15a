import { EnvError } from "../errors.ts";

/**
 * The oldest Linux driver each CUDA major runs on (NVIDIA's minor-version compatibility: any
 * 12.x toolkit runs on a 525+ driver, 13.x on 580+).
 */
const MIN_DRIVER: Record<number, string> = { 11: "450.80.02", 12: "525.60.13", 13: "580.65.06" };

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

export function minimumDriverFor(cuda: string): string | null {
  return MIN_DRIVER[Number(cuda.split(".")[0])] ?? null;
}

/** Throws a clear error when `driver` cannot run CUDA `cuda` (e.g. "12.4"). */
export function checkDriver(driver: string, cuda: string): void {
  const min = minimumDriverFor(cuda);
  if (!min) throw new EnvError("driver_too_old", `CUDA ${cuda} is not a version Tandem knows the driver needs of`);
  // 525.60.13 is the exact floor; the major (525) is what people quote, and what we compare.
  const major = (v: string) => v.split(".")[0]!;
  if (compareVersions(major(driver), major(min)) < 0) {
    throw new EnvError(
      "driver_too_old",
      `The environment needs CUDA ${cuda}, which needs an NVIDIA driver ${major(min)} or newer; this machine has ${driver}. ` +
        "Update the driver or pick packages built for an older CUDA.",
    );
  }
}
