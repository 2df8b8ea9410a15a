/**
 * What a kernel may take from the server's environment: an allow-list (search path, terminal, time
 * zone, proxies, TLS roots, the dynamic linker, CUDA), never the server's own settings or secrets.
 */
const PASSED = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "TZ",
  "TMPDIR",
  "LD_LIBRARY_PATH",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "CUDA_HOME",
  "CUDA_PATH",
]);
const PASSED_PATTERN = /^(https?_proxy|no_proxy|all_proxy|NVIDIA_[A-Z_]+|CUDA_[A-Z_]+)$/i;
const SECRET_PATTERN = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)/i;

/** The base every kernel's environment is built on (kernelspec, hooks and Tandem's identity go on top). */
export function kernelBaseEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || SECRET_PATTERN.test(key)) continue;
    if (PASSED.has(key) || PASSED_PATTERN.test(key)) out[key] = value;
  }
  return out;
}
