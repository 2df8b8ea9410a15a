import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkDriver, EnvError, GpuAllocator, parseNvidiaSmiCsv, readGpuInventory } from "../src/index.ts";

const recorded = new URL("./data/nvidia-smi-4xh100.csv", import.meta.url).pathname;
const gpus = () => parseNvidiaSmiCsv(readFileSync(recorded, "utf8"));

describe("GPU inventory", () => {
  it("reads a recorded nvidia-smi CSV", () => {
    const inv = gpus();
    expect(inv).toHaveLength(4);
    expect(inv[0]).toEqual({
      index: 0,
      uuid: "GPU-5f1c2a3b-1111-4c4e-9d5e-0a1b2c3d4e01",
      name: "NVIDIA H100 80GB HBM3",
      driverVersion: "550.54.15",
      memoryTotalMiB: 81559,
    });
  });

  it("is empty where there is no nvidia-smi", async () => {
    expect(await readGpuInventory({ nvidiaSmi: "/nonexistent/nvidia-smi" })).toEqual([]);
    expect(parseNvidiaSmiCsv("")).toEqual([]);
  });
});

describe("driver check", () => {
  it("accepts CUDA 12.x on a 550 driver and refuses 13.x with a clear error", () => {
    expect(() => checkDriver("550.54.15", "12.4")).not.toThrow();
    expect(() => checkDriver("525.60.13", "12.8")).not.toThrow();
    expect(() => checkDriver("520.61.05", "12.1")).toThrow(
      /CUDA 12.1, which needs an NVIDIA driver 525 or newer; this machine has 520.61.05/,
    );
    expect(() => checkDriver("550.54.15", "13.0")).toThrow(/needs an NVIDIA driver 580 or newer/);
    expect(() => checkDriver("580.65.06", "13.0")).not.toThrow();
  });
});

describe("GPU allocation", () => {
  it("gives N free GPUs by UUID and takes them back on release", async () => {
    const alloc = new GpuAllocator(gpus());
    const a = await alloc.allocate("env-a", 2, { cuda: "12.4" });
    expect(a.visibleDevices).toBe("GPU-5f1c2a3b-1111-4c4e-9d5e-0a1b2c3d4e01,GPU-5f1c2a3b-2222-4c4e-9d5e-0a1b2c3d4e02");
    expect(a.record).toEqual({
      environmentId: "env-a",
      gpus: a.gpus.map((g) => ({ uuid: g.uuid, name: "NVIDIA H100 80GB HBM3" })),
      driverVersion: "550.54.15",
    });
    const b = await alloc.allocate("env-b", 2);
    expect(b.visibleDevices.split(",")).toHaveLength(2);
    expect(new Set([...a.visibleDevices.split(","), ...b.visibleDevices.split(",")]).size).toBe(4);
    expect(alloc.status().gpus.map((g) => g.allocatedTo)).toEqual(["env-a", "env-a", "env-b", "env-b"]);
    a.release();
    a.release(); // twice is harmless
    expect(alloc.status().gpus.filter((g) => g.allocatedTo === null)).toHaveLength(2);
  });

  it("queues, visibly and in order, when none are free; released GPUs go to the head of the queue", async () => {
    const alloc = new GpuAllocator(gpus());
    const first = await alloc.allocate("busy", 4);
    const order: string[] = [];
    const big = alloc.allocate("big", 3).then((l) => {
      order.push("big");
      return l;
    });
    const small = alloc.allocate("small", 1).then((l) => {
      order.push("small");
      return l;
    });
    await Promise.resolve();
    expect(alloc.status().queue.map((q) => [q.environmentId, q.count])).toEqual([
      ["big", 3],
      ["small", 1],
    ]);
    first.release();
    const [bigLease, smallLease] = await Promise.all([big, small]);
    expect(order).toEqual(["big", "small"]);
    expect(bigLease.gpus).toHaveLength(3);
    expect(smallLease.gpus).toHaveLength(1);
    expect(alloc.status().queue).toEqual([]);
  });

  it("lets a waiter give up", async () => {
    const alloc = new GpuAllocator(gpus());
    await alloc.allocate("busy", 4);
    const ac = new AbortController();
    const waiting = alloc.allocate("impatient", 1, { signal: ac.signal });
    ac.abort(new Error("kernel start cancelled"));
    await expect(waiting).rejects.toThrow(/cancelled/);
    expect(alloc.status().queue).toEqual([]);
  });

  it("refuses what can never be met, and a driver too old for the environment's CUDA, before queueing", async () => {
    const alloc = new GpuAllocator(gpus());
    await expect(alloc.allocate("greedy", 8)).rejects.toThrow(/needs 8 GPUs; this machine has 4/);
    await expect(alloc.allocate("new-cuda", 1, { cuda: "13.0" })).rejects.toBeInstanceOf(EnvError);
    await expect(new GpuAllocator([]).allocate("cpu-box", 1)).rejects.toThrow(/this machine has 0/);
    expect(alloc.status().queue).toEqual([]);
  });
});
