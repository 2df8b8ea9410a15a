import { Writable } from "node:stream";

/**
 * Secrets that can appear in a logged URL or message: `token=`/`share=` query values and bare
 * API or share tokens. Every log line passes through this before it is written, whatever logged it.
 */
const QUERY_SECRET = /([?&;](?:token|share|access_token|password|secret)=)[^&\s"'#\\]*/gi;
const BARE_TOKEN = /\btd(?:m|ms|s)_[A-Za-z0-9_-]{8,}/g;

export function redactSecrets(text: string): string {
  return text.replace(QUERY_SECRET, "$1[redacted]").replace(BARE_TOKEN, "[redacted-token]");
}

/** A log destination that redacts each line before passing it on. */
export function redactingStream(destination: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = redactSecrets(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
      if (destination.write(text)) callback();
      else destination.once("drain", () => callback());
    },
  });
}

/** A URL's path without its query (for log fields). */
export function pathOnly(url: string | undefined): string {
  return (url ?? "/").split("?")[0]!;
}
