/** Names never passed from the server's environment to a kernel: the server's own secrets. */
const SECRET_NAMES = new Set(["DATABASE_URL", "REDIS_URL", "PGPASSWORD", "PGPASSFILE"]);
const SECRET_PATTERN = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)/i;

/**
 * The server's environment minus anything secret or server-only (`TANDEM_*`, database URLs,
 * tokens, passwords, keys): the base every kernel's environment is built on.
 */
export function kernelBaseEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (SECRET_NAMES.has(key) || key.startsWith("TANDEM_") || key.startsWith("npm_") || SECRET_PATTERN.test(key)) {
      continue;
    }
    out[key] = value;
  }
  return out;
}
