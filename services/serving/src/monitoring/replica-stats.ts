import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";

/** Linux's user-visible clock tick (USER_HZ: fixed at 100 for /proc's CPU times). */
const TICKS_PER_SECOND = 100;
/** nvidia-smi is asked at most this often (it takes tens of milliseconds). */
const GPU_EVERY_MS = 2000;

export interface ProcessUsage {
  /** Cores in use since the previous reading (null on the first). */
  cpu: number | null;
  memoryBytes: number | null;
  gpu: { utilization: number; memoryBytes: number } | null;
}

const readText = (path: string) => readFile(path, "utf8").catch(() => null);

/** A process and its descendants (a replica's server may fork workers). */
async function processTree(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length && out.length < 64; i++) {
    const children = await readText(`/proc/${out[i]}/task/${out[i]}/children`);
    for (const c of children?.trim().split(/\s+/) ?? []) if (c) out.push(Number(c));
  }
  return out;
}

/** utime + stime in ticks: fields 14 and 15 of /proc/<pid>/stat, after the parenthesised name. */
async function cpuTicks(pid: number): Promise<number | null> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

async function residentBytes(pid: number): Promise<number | null> {
  const status = await readText(`/proc/${pid}/status`);
  const kb = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return kb ? Number(kb[1]) * 1024 : null;
}

const run = (cmd: string, args: string[]) =>
  new Promise<string | null>((resolve) =>
    execFile(cmd, args, { timeout: 2000 }, (err, stdout) => resolve(err ? null : stdout)),
  );

interface GpuReading {
  /** Processes on GPUs: pid → the GPU's uuid and the bytes it holds. */
  apps: Map<number, { gpu: string; memoryBytes: number }[]>;
  utilization: Map<string, number>;
}

/**
 * CPU and memory of replicas' processes, read from /proc (cores in use between two readings),
 * and GPU utilisation from nvidia-smi where it exists (never asked again once it is missing).
 */
export class ReplicaUsage {
  private previous = new Map<number, { ticks: number; at: number }>();
  private gpuMissing = false;
  private gpu: { at: number; reading: Promise<GpuReading | null> } | null = null;

  constructor(private readonly nvidiaSmi = "nvidia-smi") {}

  async read(pid: number | null, nowMs = performance.now()): Promise<ProcessUsage> {
    if (!pid) return { cpu: null, memoryBytes: null, gpu: null };
    const tree = await processTree(pid);
    const [ticks, memory] = await Promise.all([Promise.all(tree.map(cpuTicks)), Promise.all(tree.map(residentBytes))]);
    if (ticks[0] === null) return { cpu: null, memoryBytes: null, gpu: null };
    const total = ticks.reduce<number>((n, t) => n + (t ?? 0), 0);
    const before = this.previous.get(pid);
    this.previous.set(pid, { ticks: total, at: nowMs });
    const seconds = before ? (nowMs - before.at) / 1000 : 0;
    const cpu = before && seconds > 0 ? Math.max(0, (total - before.ticks) / TICKS_PER_SECOND / seconds) : null;
    return {
      cpu,
      memoryBytes: memory.reduce<number>((n, m) => n + (m ?? 0), 0),
      gpu: await this.gpuOf(tree),
    };
  }

  /** Forgets processes that are gone. */
  keepOnly(pids: Set<number>) {
    for (const pid of this.previous.keys()) if (!pids.has(pid)) this.previous.delete(pid);
  }

  private async gpuOf(tree: number[]) {
    if (this.gpuMissing) return null;
    if (!this.gpu || performance.now() - this.gpu.at > GPU_EVERY_MS)
      this.gpu = { at: performance.now(), reading: this.readGpus() };
    const reading = await this.gpu.reading;
    if (!reading) return null;
    const used = tree.flatMap((pid) => reading.apps.get(pid) ?? []);
    if (!used.length) return null;
    const gpus = [...new Set(used.map((u) => u.gpu))];
    return {
      utilization: gpus.reduce((n, g) => n + (reading.utilization.get(g) ?? 0), 0) / gpus.length,
      memoryBytes: used.reduce((n, u) => n + u.memoryBytes, 0),
    };
  }

  private async readGpus(): Promise<GpuReading | null> {
    const [apps, gpus] = await Promise.all([
      run(this.nvidiaSmi, ["--query-compute-apps=pid,gpu_uuid,used_memory", "--format=csv,noheader,nounits"]),
      run(this.nvidiaSmi, ["--query-gpu=uuid,utilization.gpu", "--format=csv,noheader,nounits"]),
    ]);
    if (gpus === null) {
      this.gpuMissing = true;
      return null;
    }
    return parseGpuReading(apps ?? "", gpus);
  }
}

/** nvidia-smi's CSV (no header, no units): compute apps (pid, uuid, MiB) and GPUs (uuid, percent). */
export function parseGpuReading(apps: string, gpus: string): GpuReading {
  const reading: GpuReading = { apps: new Map(), utilization: new Map() };
  for (const line of apps.split("\n")) {
    const [pid, gpu, mib] = line.split(",").map((s) => s.trim());
    if (!pid || !gpu || !/^\d+$/.test(pid)) continue;
    const list = reading.apps.get(Number(pid)) ?? [];
    list.push({ gpu, memoryBytes: (Number(mib) || 0) * 1024 * 1024 });
    reading.apps.set(Number(pid), list);
  }
  for (const line of gpus.split("\n")) {
    const [uuid, percent] = line.split(",").map((s) => s.trim());
    if (uuid && percent !== undefined) reading.utilization.set(uuid, Number(percent) || 0);
  }
  return reading;
}
