import { readFile } from "node:fs/promises";
import type { Gpu } from "@tandem/protocol";
import { run } from "../process.ts";

export const NVIDIA_SMI_ARGS = ["--query-gpu=index,uuid,name,driver_version,memory.total", "--format=csv"];

/**
 * Parses `nvidia-smi --query-gpu=index,uuid,name,driver_version,memory.total --format=csv`
 * (with or without the header and units).
 */
export function parseNvidiaSmiCsv(csv: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length < 5 || !/^\d+$/.test(cells[0]!)) continue; // header, blank or noise
    const [index, uuid, name, driverVersion, memory] = cells as [string, string, string, string, string];
    const mib = /^(\d+)\s*MiB$/i.exec(memory);
    gpus.push({ index: Number(index), uuid, name, driverVersion, memoryTotalMiB: mib ? Number(mib[1]) : null });
  }
  return gpus.sort((a, b) => a.index - b.index);
}

export interface InventorySource {
  /** A recorded `nvidia-smi` CSV output to read instead of running it (tests, air-gapped set-ups). */
  file?: string;
  /** The nvidia-smi program (default: `nvidia-smi` on PATH). */
  nvidiaSmi?: string;
}

/** The machine's GPUs; a machine without nvidia-smi (or without GPUs) simply has none. */
export async function readGpuInventory(source: InventorySource = {}): Promise<Gpu[]> {
  if (source.file) return parseNvidiaSmiCsv(await readFile(source.file, "utf8"));
  try {
    const r = await run(source.nvidiaSmi ?? "nvidia-smi", NVIDIA_SMI_ARGS);
    return r.code === 0 ? parseNvidiaSmiCsv(r.stdout) : [];
  } catch {
    return [];
  }
}
