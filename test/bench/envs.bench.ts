/**
 * Environments benchmark: `npx tsx test/bench/envs.bench.ts`
 *
 * 1. Cold resolve + build of numpy, pandas, scikit-learn (+ ipykernel): Tandem's EnvironmentService
 *    (database row, queue, uv pip compile --generate-hashes, uv venv, uv pip sync --require-hashes --compile-bytecode,
 *    the import check, the rename into place) against plain uv doing the same steps by hand, each
 *    with its own empty uv cache, in the same run. Then the same with a warm cache.
 * 2. A second notebook getting a kernel in an already-built environment. The kernel gateway is not
 *    merged on this branch, so this measures the environment side (kernelspec lookup for an env id)
 *    and, for reference, ipykernel's own start in that environment (jupyter_client, to kernel_info).
 * Goals (issue #6): overhead under 10 %; second kernel under 1 s.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@tandem/db";
import { EnvironmentService, findPython, locateUv } from "@tandem/envs";

const REQUIREMENTS = ["numpy", "pandas", "scikit-learn"];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const root = mkdtempSync(join(tmpdir(), "tandem-envs-bench-"));
const quiet = { info() {}, warn() {}, error() {} };

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [(performance.now() - t0) / 1000, result];
}

async function plainUv(cacheDir: string, dir: string): Promise<void> {
  const uv = await locateUv({ dataDir: root, cacheDir });
  const python = await findPython(uv, "3");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "requirements.in"), `${[...REQUIREMENTS, "ipykernel"].join("\n")}\n`);
  const step = async (args: string[]) => {
    const r = await uv.run(args, { cwd: dir });
    if (r.code !== 0) throw new Error(`uv ${args.join(" ")}: ${r.stderr}`);
  };
  await step([
    "pip",
    "compile",
    "requirements.in",
    "--generate-hashes",
    "--quiet",
    "--python",
    python.path,
    "-o",
    "requirements.lock",
  ]);
  await step(["venv", "--quiet", "--python", python.path, "venv"]);
  await step([
    "pip",
    "sync",
    "--require-hashes",
    "--compile-bytecode",
    "--python",
    "venv/bin/python",
    "requirements.lock",
  ]);
}

async function tandem(service: EnvironmentService): Promise<string> {
  const env = await service.create({ name: `bench-${Math.random()}`, python: "3", requirements: REQUIREMENTS }, null);
  const done = await service.settled(env.id);
  if (done?.status !== "ready") throw new Error(`tandem build failed: ${done?.error}`);
  return env.id;
}

async function main() {
  const database = await openDatabase({ dataDir: "memory://bench" });
  await database.migrate();
  const results: { label: string; tandem: number; uv: number }[] = [];
  let service: EnvironmentService | undefined;
  let readyId = "";
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // Cold: each side gets an empty cache (everything downloaded and unpacked); uv goes first in odd rounds.
      const uvCold = () => timed(() => plainUv(join(root, `uv-cache-${round}`), join(root, `uv-${round}`)));
      const tdCold = async () => {
        service = await EnvironmentService.open({
          db: database.db,
          dataDir: join(root, `tandem-${round}`),
          uvCacheDir: join(root, `tandem-cache-${round}`),
          log: quiet,
        });
        return timed(() => tandem(service!));
      };
      let u: number;
      let t: number;
      if (round % 2) {
        [u] = await uvCold();
        [t, readyId] = await tdCold();
      } else {
        [t, readyId] = await tdCold();
        [u] = await uvCold();
      }
      results.push({ label: `cold #${round}`, tandem: t, uv: u });

      // Warm: same caches again, new directories (Tandem: a new data dir, so it really builds).
      const [uw] = await timed(() => plainUv(join(root, `uv-cache-${round}`), join(root, `uv-warm-${round}`)));
      const warm = await EnvironmentService.open({
        db: database.db,
        dataDir: join(root, `tandem-warm-${round}`),
        uvCacheDir: join(root, `tandem-cache-${round}`),
        log: quiet,
      });
      const [tw] = await timed(() => tandem(warm));
      await warm.close();
      results.push({ label: `warm #${round}`, tandem: tw, uv: uw });
    }

    console.log(
      `\nresolve + build of ${REQUIREMENTS.join(", ")} (+ ipykernel), Python from the machine, uv ${(await service!.uv()).version}`,
    );
    console.log("run        tandem (s)  plain uv (s)  overhead");
    for (const r of results) {
      const pct = ((r.tandem - r.uv) / r.uv) * 100;
      console.log(
        `${r.label.padEnd(10)} ${r.tandem.toFixed(2).padStart(10)}  ${r.uv.toFixed(2).padStart(12)}  ${pct >= 0 ? "+" : ""}${pct.toFixed(1)} %`,
      );
    }

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const kind of ["cold", "warm"]) {
      const rs = results.filter((r) => r.label.startsWith(kind));
      const t = median(rs.map((r) => r.tandem));
      const u = median(rs.map((r) => r.uv));
      console.log(
        `median ${kind}: tandem ${t.toFixed(2)} s, plain uv ${u.toFixed(2)} s, overhead ${(((t - u) / u) * 100).toFixed(1)} % (goal < 10 %)`,
      );
    }

    // A second notebook in the built environment: what the environment side costs per kernel start.
    const lookups: number[] = [];
    for (let i = 0; i < 50; i++) {
      const [s, ks] = await timed(() => service!.kernelspec(readyId));
      if (!ks) throw new Error("no kernelspec");
      lookups.push(s * 1000);
    }
    lookups.sort((a, b) => a - b);
    const ks = (await service!.kernelspec(readyId))!;
    const kdir = join(root, "jupyter", "kernels", ks.name);
    mkdirSync(kdir, { recursive: true });
    writeFileSync(join(kdir, "kernel.json"), JSON.stringify(ks.spec));
    const starts = execFileSync(
      ks.spec.argv[0]!,
      [
        "-c",
        `import sys, time
from jupyter_client.manager import start_new_kernel
out = []
for _ in range(3):
    t0 = time.perf_counter()
    km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=60)
    out.append(time.perf_counter() - t0)
    kc.stop_channels(); km.shutdown_kernel(now=True)
print(" ".join(f"{x:.3f}" for x in out))`,
        ks.name,
      ],
      { env: { PATH: process.env.PATH, JUPYTER_PATH: join(root, "jupyter"), HOME: root }, encoding: "utf8" },
    )
      .trim()
      .split(" ")
      .map(Number);
    console.log("\nsecond notebook, already-built environment (kernel gateway not merged here: environment side only)");
    console.log(
      `  kernelspec lookup for an env id: p50 ${lookups[25]!.toFixed(2)} ms, max ${lookups[49]!.toFixed(2)} ms (50 lookups)`,
    );
    console.log(
      `  ipykernel cold start in the env (jupyter_client, to kernel_info): ${starts.map((s) => `${s.toFixed(2)} s`).join(", ")}`,
    );
    console.log(
      "  (a warm kernel pool in the gateway hides the ipykernel start; the environment adds only the lookup)",
    );
  } finally {
    await service?.close();
    await database.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
