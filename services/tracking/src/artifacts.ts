import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Db, schema } from "@tandem/db";
import { and, eq, inArray, sql } from "drizzle-orm";
import { assertArtifactWritable } from "./artifact-rules.ts";
import type { BlobStore } from "./blobs/blobs.ts";
import { invalid, missing } from "./errors.ts";

const { artifacts, runs, experiments } = schema;

/** A proxied artifact path `<experimentId>/<rest>`, checked for traversal. */
export interface ArtifactPath {
  experimentId: number;
  /** The path below the experiment's root ("" for the root). */
  rest: string;
}

/** Splits and checks a proxied artifact path; `..`, `.`, absolute paths and backslashes are refused. */
export function parseArtifactPath(raw: string): ArtifactPath {
  const path = raw.replace(/^\/+/, "").replace(/\/+$/, "");
  const parts = path.split("/");
  if (parts.some((p) => p === ".." || p === "." || p.includes("\\") || p.includes("\0")) || raw.includes("//"))
    throw invalid(`Invalid artifact path: '${raw}'`);
  const [first, ...rest] = parts;
  if (!first || !/^\d{1,15}$/.test(first)) throw missing(`No artifact root for path '${raw}'`);
  return { experimentId: Number(first), rest: rest.join("/") };
}

export interface ArtifactEntry {
  /** Relative to the listed directory. */
  path: string;
  isDir: boolean;
  size?: number;
}

/**
 * The content-addressed store, the one owner of artifact bytes (tracking's, models', executed
 * notebooks'): contents by hash in a `BlobStore` (disk or S3), and an index of paths in Postgres.
 */
export class ArtifactStore {
  constructor(
    private readonly db: Db,
    readonly blobs: BlobStore,
    /** This server's scratch space for uploads being hashed. */
    private readonly tmpDir: string,
  ) {}

  /** Streams the body to a temporary file while hashing it, then files it under its hash. */
  async put(
    path: ArtifactPath,
    body: ReadableStream<Uint8Array> | Uint8Array | null,
  ): Promise<{ sha256: string; size: number }> {
    if (!path.rest) throw invalid("An artifact path needs a file name");
    const runId = await this.runOf(path);
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, randomBytes(12).toString("hex"));
    const hash = createHash("sha256");
    let size = 0;
    const source =
      body === null
        ? Readable.from([])
        : body instanceof Uint8Array
          ? Readable.from([body])
          : Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>);
    try {
      await pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            size += chunk.length;
            cb(null, chunk);
          },
        }),
        createWriteStream(tmp),
      );
      const sha256 = hash.digest("hex");
      // The blob before the index row: a path never names content that is not stored.
      await this.blobs.store(sha256, tmp, size);
      await this.db
        .insert(artifacts)
        .values({ experimentId: path.experimentId, path: path.rest, runId, sha256, size })
        .onConflictDoUpdate({
          target: [artifacts.experimentId, artifacts.path],
          set: { sha256, size, runId, createdAt: new Date() },
        });
      return { sha256, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** The run a path belongs to (`<runId>/artifacts/...`), checked to be in that experiment and writable. */
  private async runOf(path: ArtifactPath): Promise<string | null> {
    const [runId, second] = path.rest.split("/");
    if (!runId || second !== "artifacts") return null;
    const [row] = await this.db
      .select({ id: runs.id, lifecycleStage: runs.lifecycleStage, status: runs.status })
      .from(runs)
      .where(and(eq(runs.id, runId), eq(runs.experimentId, path.experimentId)))
      .limit(1);
    if (!row) return null;
    assertArtifactWritable(row);
    return row.id;
  }

  async get(path: ArtifactPath): Promise<{ stream: Readable; size: number; sha256: string } | null> {
    const [row] = await this.db
      .select()
      .from(artifacts)
      .where(and(eq(artifacts.experimentId, path.experimentId), eq(artifacts.path, path.rest)))
      .limit(1);
    if (!row) return null;
    return { stream: await this.blobs.open(row.sha256), size: Number(row.size), sha256: row.sha256 };
  }

  /** Direct children of a directory (files and sub-directories), sorted by path. */
  async list(path: ArtifactPath): Promise<ArtifactEntry[]> {
    const prefix = path.rest ? `${path.rest}/` : "";
    const rows = await this.db
      .select({ path: artifacts.path, size: artifacts.size })
      .from(artifacts)
      .where(
        and(
          eq(artifacts.experimentId, path.experimentId),
          prefix ? sql`starts_with(${artifacts.path}, ${prefix})` : undefined,
        ),
      );
    const out = new Map<string, ArtifactEntry>();
    for (const r of rows) {
      const rel = r.path.slice(prefix.length);
      const slash = rel.indexOf("/");
      if (slash < 0) out.set(rel, { path: rel, isDir: false, size: Number(r.size) });
      else out.set(rel.slice(0, slash), { path: rel.slice(0, slash), isDir: true });
    }
    // A path that names a file rather than a directory lists nothing (MLflow's behaviour).
    return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * The proxy root's directories: the experiments of these projects (null: every project) that hold a file,
   * as MLflow's root lists only what was written.
   */
  async rootDirs(projectIds: string[] | null): Promise<number[]> {
    if (projectIds && !projectIds.length) return [];
    const rows = await this.db
      .selectDistinct({ id: artifacts.experimentId })
      .from(artifacts)
      .innerJoin(experiments, eq(experiments.id, artifacts.experimentId))
      .where(projectIds ? inArray(experiments.projectId, projectIds) : undefined)
      .orderBy(artifacts.experimentId);
    return rows.map((r) => Number(r.id));
  }

  /** The size and hash of one file, if the path names a file. */
  async file(path: ArtifactPath) {
    const [row] = await this.db
      .select()
      .from(artifacts)
      .where(and(eq(artifacts.experimentId, path.experimentId), eq(artifacts.path, path.rest)))
      .limit(1);
    return row ?? null;
  }
}
