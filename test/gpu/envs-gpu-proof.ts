/**
 * The real GPU path, for a machine with an NVIDIA GPU (never CI):
 *
 *   npx tsx test/gpu/envs-gpu-proof.ts --base /path/to/python-with-torch [--cuda 12.4]
 *   npx tsx test/gpu/envs-gpu-proof.ts --torch-index https://download.pytorch.org/whl/cu124 [--cuda 12.4]
 *
 * Builds an environment (on the base interpreter, inheriting its PyTorch, or with torch from the
 * index), allocates one GPU through the allocator (inventory from nvidia-smi, driver checked against
 * the CUDA), starts a real ipykernel from the environment's kernelspec with the launch hook's
 * variables, and prints what the kernel reports: torch.cuda.is_available(), the GPU's name and the
 * UUID it was given. Exits non-zero when anything does not hold.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "@tandem/db";
import { EnvironmentService } from "@tandem/envs";

const { values } = parseArgs({
  options: { base: { type: "string" }, "torch-index": { type: "string" }, cuda: { type: "string", default: "12.4" } },
});
if (!values.base && !values["torch-index"]) {
  console.error("usage: --base /path/to/python-with-torch | --torch-index https://download.pytorch.org/whl/cu124");
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), "tandem-gpu-proof-"));
const database = await openDatabase({ dataDir: "memory://gpu-proof" });
await database.migrate();
const envs = await EnvironmentService.open({
  db: database.db,
  dataDir: root,
  log: { info: console.log, warn: console.warn, error: console.error },
});
let code = 1;
try {
  const inventory = envs.gpus.status().gpus;
  if (!inventory.length) throw new Error("nvidia-smi reports no NVIDIA GPU on this machine");
  console.log(`GPUs: ${inventory.map((g) => `${g.index} ${g.name} ${g.uuid} driver ${g.driverVersion}`).join("; ")}`);

  const created = await envs.create(
    {
      name: "gpu-proof",
      python: "3",
      requirements: values.base ? [] : ["torch"],
      indexes: values["torch-index"] ? { extra: [values["torch-index"]], findLinks: [], noIndex: false } : undefined,
      base: values.base ? { python: values.base } : undefined,
      gpu: { count: 1, cuda: values.cuda },
    },
    null,
  );
  const env = await envs.settled(created.id);
  if (env?.status !== "ready") throw new Error(`build failed: ${env?.error}`);
  console.log(`environment ${env.identity} ready (${env.packages?.length} packages locked)`);

  const ks = (await envs.kernelspec(env.id))!;
  const launch = (await envs.prepareLaunch(ks.name))!;
  console.log(
    `allocated: CUDA_VISIBLE_DEVICES=${launch.env.CUDA_VISIBLE_DEVICES}; record ${JSON.stringify(launch.record)}`,
  );
  const kdir = join(root, "jupyter", "kernels", ks.name);
  mkdirSync(kdir, { recursive: true });
  writeFileSync(join(kdir, "kernel.json"), JSON.stringify({ ...ks.spec, env: launch.env }));
  const code_ = `import os, sys, torch
print("sys.prefix", sys.prefix)
print("cuda available", torch.cuda.is_available())
print("device", torch.cuda.get_device_name(0))
print("CUDA_VISIBLE_DEVICES", os.environ.get("CUDA_VISIBLE_DEVICES"))
print("torch", torch.__version__, "cuda", torch.version.cuda)`;
  const printed = execFileSync(
    ks.spec.argv[0]!,
    [
      "-c",
      `import sys
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=120)
try:
    out = []
    kc.execute_interactive(sys.argv[2], output_hook=lambda m: out.append(m["content"].get("text", "") or str(m["content"].get("evalue", ""))), timeout=120)
    print("".join(out), end="")
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)`,
      ks.name,
      code_,
    ],
    { env: { PATH: process.env.PATH, JUPYTER_PATH: join(root, "jupyter"), HOME: root }, encoding: "utf8" },
  );
  console.log(`kernel says:\n${printed}`);
  launch.release();
  const ok =
    printed.includes("cuda available True") &&
    printed.includes(`CUDA_VISIBLE_DEVICES ${launch.env.CUDA_VISIBLE_DEVICES}`);
  console.log(ok ? "PROOF OK" : "PROOF FAILED");
  code = ok ? 0 : 1;
} catch (err) {
  console.error(`PROOF FAILED: ${(err as Error).message}`);
} finally {
  await envs.close();
  await database.close();
  rmSync(root, { recursive: true, force: true });
}
process.exit(code);
