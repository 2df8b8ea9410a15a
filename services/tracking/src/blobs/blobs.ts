import { createReadStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { missing } from "../errors.ts";

/**
 * Where artifact contents live, by their SHA-256: on this server's disk (the default) or in an
 * S3-compatible bucket that several servers share. The index of paths stays in Postgres.
 */
export interface BlobStore {
  /** Files a finished temporary file under its hash (it is moved or copied away); same hash, same bytes. */
  store(sha256: string, tmpFile: string, size: number): Promise<void>;
  /** The content, as a stream; a missing blob is TrackingError `RESOURCE_DOES_NOT_EXIST`. */
  open(sha256: string): Promise<Readable>;
  /** Where blobs go, for the start-up log (`/data/artifacts`, `s3://bucket/prefix`). */
  readonly location: string;
  /** Throws, saying why, when the store cannot be reached (checked once at start). */
  check(): Promise<void>;
}

/** The layout both stores share: `sha256/ab/<hash>`, so a directory can be copied into a bucket as it is. */
export const blobKey = (sha256: string) => `sha256/${sha256.slice(0, 2)}/${sha256}`;

/** Blobs in a directory of this server: `<dir>/sha256/ab/<hash>`. */
export class DiskBlobs implements BlobStore {
  constructor(private readonly dir: string) {}

  get location() {
    return this.dir;
  }

  async check(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async store(sha256: string, tmpFile: string): Promise<void> {
    const dest = join(this.dir, blobKey(sha256));
    await mkdir(join(this.dir, "sha256", sha256.slice(0, 2)), { recursive: true });
    // Same content, same name: renaming over an existing blob is harmless and atomic.
    await rename(tmpFile, dest);
  }

  async open(sha256: string): Promise<Readable> {
    const file = join(this.dir, blobKey(sha256));
    await stat(file).catch(() => {
      throw missing(`The content of this artifact (${sha256}) is gone from the store`);
    });
    return createReadStream(file);
  }
}
