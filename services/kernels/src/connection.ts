import { randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import { createServer } from "node:net";

/** The connection file's content (Jupyter's format). */
export interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Five ports the kernel binds (the kernel binds, so the ports are picked free here first, as jupyter_client does). */
/** Ports handed out lately: the OS may offer a just-closed port again before its kernel binds it. */
const recent: number[] = [];

export async function newConnectionInfo(kernelName: string, ip = "127.0.0.1"): Promise<ConnectionInfo> {
  const ports = new Set<number>();
  while (ports.size < 5) {
    const port = await freePort(ip);
    if (recent.includes(port)) continue;
    ports.add(port);
    recent.push(port);
    if (recent.length > 200) recent.shift();
  }
  const [shell, iopub, stdin, control, hb] = [...ports];
  return {
    transport: "tcp",
    ip,
    shell_port: shell!,
    iopub_port: iopub!,
    stdin_port: stdin!,
    control_port: control!,
    hb_port: hb!,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
}

/** Writes the connection file readable by its owner only (it holds the signing key). */
export async function writeConnectionFile(path: string, info: ConnectionInfo): Promise<void> {
  await writeFile(path, JSON.stringify(info, null, 1), { mode: 0o600 });
  await chmod(path, 0o600);
}
