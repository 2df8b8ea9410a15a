import { execFile } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";

/** How kernels are separated from the server: a bubblewrap sandbox, or none (the server's user and namespaces). */
export type KernelIsolation = "sandbox" | "none";

/** Where a sandboxed kernel finds its own connection file (the runtime dir itself stays out of sight). */
export const SANDBOX_CONNECTION_FILE = "/run/tandem/connection.json";
/** A sandboxed kernel's HOME: its project's own persistent home (caches such as jedi's, IPython's history). */
export const SANDBOX_HOME = "/home/tandem";

export interface SandboxOptions {
  /** The bubblewrap program. */
  bwrap: string;
  /** Extra host paths every sandboxed kernel may read (datasets, shared tools). */
  readPaths: string[];
  /** Extra host paths every sandboxed kernel may write (a shared scratch or results volume). */
  writePaths?: string[];
  /** Where each project's kernel home lives (`<homesDir>/<projectId>`), mounted at SANDBOX_HOME. */
  homesDir?: string;
  /**
   * The server's own directories (the data dir, with the runtime dir): never visible, even when a
   * bound tree (an interpreter's, a read path) contains them; only what is bound inside them is.
   */
  hidden?: string[];
}

export interface SandboxedLaunch {
  /** The kernel's command (argv[0] resolved on `env.PATH` when it is not absolute). */
  argv: string[];
  env: Record<string, string>;
  /** Read-write: the kernel's working directory. */
  cwd: string;
  connectionFile: string;
  /** The host directory mounted read-write as the kernel's HOME. */
  home?: string;
  /** The kernelspec's resource directory, if any. */
  resourceDir?: string;
  /** Drop to this user inside the sandbox (the server is root and does the mounts). */
  dropTo?: { uid: number; gid: number };
}

/** Top-level directories shared read-only (or as the symlinks they are, on merged-/usr systems). */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** The parts of /etc programs need: users, name resolution, TLS roots, the dynamic linker, time zone. */
const ETC_FILES = [
  "passwd",
  "group",
  "nsswitch.conf",
  "hosts",
  "host.conf",
  "resolv.conf",
  "gai.conf",
  "protocols",
  "services",
  "ssl",
  "ca-certificates",
  "ca-certificates.conf",
  "pki",
  "localtime",
  "timezone",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "alternatives",
  "fonts",
  "mime.types",
  "os-release",
  "jupyter",
  "ipython",
  "matplotlibrc",
];

/**
 * The host paths an interpreter needs: its install prefix, and for a virtual environment the venv and
 * its base interpreter (`home` in pyvenv.cfg, followed through venvs made from venvs).
 */
export function interpreterPaths(argv0: string, path: string | undefined): string[] {
  const exe = isAbsolute(argv0) ? argv0 : findOnPath(argv0, path);
  if (!exe) return [];
  const out = new Set<string>();
  const prefixes = [dirname(dirname(exe))];
  for (let i = 0; i < prefixes.length && i < 8; i++) {
    const prefix = prefixes[i]!;
    addTree(out, prefix);
    const cfg = join(prefix, "pyvenv.cfg");
    if (!existsSync(cfg)) continue;
    const home = /^home\s*=\s*(.+)$/m.exec(readFileSync(cfg, "utf8"))?.[1]?.trim();
    if (home) prefixes.push(home.endsWith(`${sep}bin`) ? dirname(home) : home);
  }
  const real = safeRealpath(exe);
  if (real) addTree(out, dirname(dirname(real)));
  return [...out];
}

/** A tree and, when it is reached through symlinks, its real location too; never `/` or a top-level dir. */
function addTree(out: Set<string>, dir: string) {
  for (const p of [resolve(dir), safeRealpath(dir)]) {
    if (p && p.split(sep).filter(Boolean).length >= 2 && existsSync(p)) out.add(p);
  }
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function covered(path: string, by: Iterable<string>): boolean {
  for (const b of by) if (path === b || path.startsWith(b.endsWith(sep) ? b : b + sep)) return true;
  return false;
}

/** bubblewrap's arguments for one kernel, ending with `--` and the command it runs. */
export function sandboxArgs(launch: SandboxedLaunch, options: SandboxOptions): string[] {
  const args = ["--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"];
  args.push("--hostname", "tandem-kernel");
  const mounted = new Set<string>(["/usr"]);
  const hiddenNow: string[] = [];
  // An empty tmpfs over a hidden dir as soon as a bind would show it (before what is bound inside it).
  const hideUnder = (p: string) => {
    for (const h of options.hidden ?? []) {
      if (hiddenNow.includes(h) || !covered(h, [p])) continue;
      args.push("--tmpfs", h);
      hiddenNow.push(h);
    }
  };
  for (const dir of SYSTEM_DIRS) {
    const stat = lstatSafe(dir);
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else {
      args.push("--ro-bind", dir, dir);
      hideUnder(dir);
    }
  }
  args.push("--perms", "0755", "--dir", "/etc");
  for (const f of ETC_FILES) args.push("--ro-bind-try", `/etc/${f}`, `/etc/${f}`);
  args.push("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm");
  // GPUs the environment hands out are only usable through their device nodes.
  for (const dev of nvidiaDevices()) args.push("--dev-bind", dev, dev);
  args.push("--perms", "1777", "--tmpfs", "/tmp");
  args.push("--perms", "0755", "--dir", "/run", "--perms", "0755", "--dir", "/run/tandem");

  const made = new Set<string>(["/", "/etc", "/run", "/run/tandem", "/tmp", "/dev", "/proc"]);
  const ensureParents = (target: string) => {
    const parts = dirname(target).split(sep).filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const dir = sep + parts.slice(0, i).join(sep);
      if (made.has(dir) || (covered(dir, mounted) && !covered(dir, hiddenNow))) continue;
      args.push("--perms", "0755", "--dir", dir);
      made.add(dir);
    }
  };
  const binds = [
    ...interpreterPaths(launch.argv[0]!, launch.env.PATH).map((p) => ({ p, rw: false })),
    ...(launch.resourceDir ? [{ p: launch.resourceDir, rw: false }] : []),
    ...options.readPaths.map((p) => ({ p, rw: false })),
    ...(options.writePaths ?? []).map((p) => ({ p, rw: true })),
  ]
    .map(({ p, rw }) => ({ p: resolve(p), rw }))
    .filter(({ p }) => existsSync(p))
    .sort((x, y) => (x.p < y.p ? -1 : x.p > y.p ? 1 : 0));
  for (const { p, rw } of binds) {
    if (covered(p, mounted) && !covered(p, hiddenNow)) continue;
    ensureParents(p);
    args.push(rw ? "--bind" : "--ro-bind", p, p);
    mounted.add(p);
    hideUnder(p);
  }
  if (launch.home) args.push("--perms", "0755", "--dir", "/home", "--bind", launch.home, SANDBOX_HOME);
  ensureParents(launch.cwd);
  args.push("--bind", launch.cwd, launch.cwd, "--chdir", launch.cwd);
  args.push("--ro-bind", launch.connectionFile, SANDBOX_CONNECTION_FILE);
  args.push("--");
  if (launch.dropTo) {
    const { uid, gid } = launch.dropTo;
    // No capability survives into the kernel (bwrap already sets no_new_privs, so no setuid binary helps).
    args.push("setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--inh-caps=-all");
    args.push("--bounding-set=-all", "--");
  }
  const exe = isAbsolute(launch.argv[0]!)
    ? launch.argv[0]!
    : (findOnPath(launch.argv[0]!, launch.env.PATH) ?? launch.argv[0]!);
  args.push(exe, ...launch.argv.slice(1));
  return args;
}

function lstatSafe(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function nvidiaDevices(): string[] {
  try {
    return readdirSync("/dev")
      .filter((n) => n.startsWith("nvidia"))
      .map((n) => `/dev/${n}`);
  } catch {
    return [];
  }
}

/**
 * Checks once, at start-up, that bubblewrap can make a kernel's sandbox here (as the user kernels
 * run as). Returns why not, for a start-up error: isolation was asked for, so without it the server does not start.
 */
export async function probeSandbox(
  options: SandboxOptions,
  dropTo?: { uid: number; gid: number },
): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), "tandem-sandbox-probe-"));
  try {
    // Nothing secret here: the probe's kernel user must be able to read and write them.
    await chmod(dir, 0o777);
    const connectionFile = join(dir, "connection.json");
    await writeFile(connectionFile, "{}", { mode: 0o644 });
    const args = sandboxArgs(
      {
        argv: ["/bin/sh", "-c", `test -r ${SANDBOX_CONNECTION_FILE} && touch probe`],
        env: {},
        cwd: dir,
        connectionFile,
        dropTo,
      },
      { ...options, readPaths: [], writePaths: [] },
    );
    const failure = await new Promise<string | null>((done) => {
      execFile(options.bwrap, args, { timeout: 10_000 }, (err, _out, stderr) =>
        done(err ? stderr.trim() || err.message : null),
      );
    });
    if (failure === null) return null;
    return (
      `TANDEM_KERNEL_ISOLATION=sandbox needs bubblewrap (${options.bwrap}), which could not make a kernel sandbox here: ` +
      `${failure}. Install bubblewrap (apt-get install bubblewrap) and let it create namespaces (run the server ` +
      "as root, or allow unprivileged user namespaces), or set TANDEM_KERNEL_ISOLATION=none to run kernels " +
      "without a sandbox (see SECURITY.md)."
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What a plan asks of the process: run as a user, and in a sandbox or not. */
export interface PlannedProcess {
  argv: string[];
  /** A launch hook's wrapper (it runs outside the sandbox, around bubblewrap). */
  wrapper?: string[];
  env: Record<string, string>;
  cwd: string;
  home?: string;
  uid?: number;
  gid?: number;
  sandbox?: SandboxOptions;
}

/**
 * How to launch a kernel. Sandboxed, bubblewrap wraps it, showing it only its own connection file
 * (at SANDBOX_CONNECTION_FILE); a root server does the mounts and drops to the kernel's user
 * inside, since that user could not read the paths to mount.
 */
export function kernelCommand(
  p: PlannedProcess,
  connectionFile: string,
  resourceDir: string | undefined,
): { wrapper?: string[]; argv: string[]; uid?: number; gid?: number } {
  if (!p.sandbox) return { wrapper: p.wrapper, argv: p.argv, uid: p.uid, gid: p.gid };
  const asRoot = process.getuid?.() === 0;
  const dropTo = asRoot && p.uid !== undefined ? { uid: p.uid, gid: p.gid ?? p.uid } : undefined;
  const args = sandboxArgs(
    { argv: p.argv, env: p.env, cwd: p.cwd, home: p.home, connectionFile, resourceDir, dropTo },
    p.sandbox,
  );
  // Everything up to the kernel's own command is the wrapper.
  const command = args.length - p.argv.length;
  return {
    wrapper: [...(p.wrapper ?? []), p.sandbox.bwrap, ...args.slice(0, command)],
    argv: args.slice(command),
    uid: asRoot ? undefined : p.uid,
    gid: asRoot ? undefined : p.gid,
  };
}

/**
 * The processes an interrupt goes to in a sandbox: everything under bubblewrap's init in the
 * sandbox's PID namespace (the kernel and its children), never bubblewrap itself, which a SIGINT
 * ends (and the sandbox with it).
 */
export function sandboxedProcesses(launchedPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The name field may hold spaces and parentheses; the parent pid is the second field after its last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // Gone meanwhile.
    }
  }
  const ours = pidNamespace(process.pid);
  const out: number[] = [];
  const walk = (pid: number, inside: boolean) => {
    for (const child of children.get(pid) ?? []) {
      const entered = inside || pidNamespace(child) !== ours;
      // The first process in the new namespace is bubblewrap's init: skipped, its descendants signalled.
      if (inside) out.push(child);
      walk(child, entered);
    }
  };
  walk(launchedPid, false);
  return out;
}

function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}
