import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { missing } from "../errors.ts";
import { type BlobStore, blobKey } from "./blobs.ts";

/** An S3-compatible bucket: `TANDEM_ARTIFACTS_URL=s3://bucket/prefix` plus the endpoint and credentials. */
export interface S3BlobsOptions {
  bucket: string;
  /** Key prefix inside the bucket ("" for the bucket's root). */
  prefix: string;
  /** TANDEM_S3_ENDPOINT: a non-AWS server (MinIO, Ceph, moto); absent: AWS's own. */
  endpoint?: string;
  region?: string;
  /** Absent: the AWS SDK's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Path-style URLs (`endpoint/bucket/key`), which most self-hosted servers need. */
  forcePathStyle?: boolean;
}

const notFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
};

/** Blobs as objects `<prefix>/sha256/ab/<hash>`; an object already there is not uploaded again. */
export class S3Blobs implements BlobStore {
  private readonly client: S3Client;

  constructor(private readonly o: S3BlobsOptions) {
    this.client = new S3Client({
      endpoint: o.endpoint,
      region: o.region ?? "us-east-1",
      credentials: o.credentials,
      forcePathStyle: o.forcePathStyle ?? Boolean(o.endpoint),
    });
  }

  get location() {
    return `s3://${this.o.bucket}/${this.o.prefix}`;
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.o.bucket }));
    } catch (err) {
      const e = err as { name?: string; message?: string };
      const why = notFound(err) ? "it does not exist" : `${e.name ?? "error"}: ${e.message ?? String(err)}`;
      throw new Error(
        `The artifact bucket ${this.location} cannot be used (${why}); check TANDEM_ARTIFACTS_URL, TANDEM_S3_ENDPOINT and the credentials`,
      );
    }
  }

  private key(sha256: string) {
    return this.o.prefix ? `${this.o.prefix}/${blobKey(sha256)}` : blobKey(sha256);
  }

  async store(sha256: string, tmpFile: string, size: number): Promise<void> {
    const Key = this.key(sha256);
    const there = await this.client.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key })).then(
      () => true,
      (err) => {
        if (notFound(err)) return false;
        throw err;
      },
    );
    if (there) return;
    // Streamed from the temporary file with its length known: nothing sits in memory whole.
    await this.client.send(
      new PutObjectCommand({ Bucket: this.o.bucket, Key, Body: createReadStream(tmpFile), ContentLength: size }),
    );
  }

  async open(sha256: string): Promise<Readable> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: this.key(sha256) }));
      const body = got.Body;
      if (body instanceof Readable) return body;
      if (!body) return Readable.from([]);
      return Readable.fromWeb(body.transformToWebStream() as import("node:stream/web").ReadableStream<Uint8Array>);
    } catch (err) {
      if (notFound(err)) throw missing(`The content of this artifact (${sha256}) is gone from the bucket`);
      throw err;
    }
  }

  close() {
    this.client.destroy();
  }
}

/** `s3://bucket/some/prefix` → bucket and prefix (no leading or trailing slash). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new Error(`not an s3://bucket/prefix URL: ${url}`);
  return { bucket: m[1]!, prefix: (m[2] ?? "").replace(/^\/+|\/+$/g, "") };
}
