/**
 * Backup storage: S3 (multipart, streaming, bounded memory) or a posix directory. Both give the
 * same guarantee: an object exists only once it is complete. A failed or interrupted S3 upload is
 * aborted (AbortMultipartUpload, so no orphaned parts are billed or mistaken for data); a posix
 * write goes to a temporary name and is renamed at the end.
 */
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageError } from './errors';
import type { Logger } from './logger';

export interface PutResult {
  readonly bytes: number;
  readonly sha256: string;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
}

export interface Storage {
  /** Human-readable location (s3://bucket or a path) for logs and errors. */
  readonly location: string;
  /**
   * Stores a stream; resolves only when the object is complete. On failure or abort nothing is left
   * behind. `beforeCommit` runs after the stream ended and before the object becomes visible: when it
   * rejects (the producing tool failed, so the stream is truncated) the upload is aborted and its
   * error is rethrown unchanged.
   */
  putStream(key: string, body: Readable, signal: AbortSignal, beforeCommit?: () => Promise<void>): Promise<PutResult>;
  putBytes(key: string, data: Buffer | string): Promise<PutResult>;
  getStream(key: string, signal?: AbortSignal): Promise<Readable>;
  getBytes(key: string): Promise<Buffer>;
  /** Every object under the prefix (recursive). */
  list(prefix: string): Promise<ListedObject[]>;
  exists(key: string): Promise<boolean>;
  /** Removes an object; on a versioned S3 bucket this only adds a delete marker (versions stay recoverable). */
  delete(key: string): Promise<void>;
  /**
   * Removes what writers killed without cleaning up (kill -9, a lost task) left under the prefix
   * and that has not changed for `olderThanMs`: posix `*.partial-<pid>` files (S3: see
   * S3Storage). Returns their keys.
   */
  removeStalePartials(prefix: string, olderThanMs: number): Promise<string[]>;
}

/** A partial object untouched this long belongs to no running job: a live writer appends continuously. */
export const STALE_PARTIAL_AGE_MS = 24 * 3600 * 1000;
const PARTIAL_RE = /\.partial-\d+$/;

export interface S3StorageOptions {
  readonly bucket: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly caFile?: string;
  readonly partSizeBytes: number;
  readonly log: Logger;
}

const PART_GROWTH_EVERY = 2000; // S3 allows 10,000 parts: doubling every 2000 reaches ~1 TB with 16 MiB parts.
const MAX_PARTS_IN_FLIGHT = 2;

export class S3Storage implements Storage {
  readonly location: string;
  private readonly client: S3Client;

  constructor(private readonly opts: S3StorageOptions) {
    this.location = `s3://${opts.bucket}${opts.endpoint ? ` at ${opts.endpoint}` : ''}`;
    const ca = opts.caFile ? readFileSync(opts.caFile) : undefined;
    // Credentials come from the default provider chain: the ECS task role on Fargate.
    this.client = new S3Client({
      region: opts.region ?? 'us-east-1',
      ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
      // requestTimeout: a black-holed endpoint fails the job instead of hanging it until the task times out.
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ keepAlive: true, ...(ca ? { ca } : {}) }), connectionTimeout: 10000, requestTimeout: 120000 }),
      maxAttempts: 4,
    });
  }

  async putStream(key: string, body: Readable, signal: AbortSignal, beforeCommit?: () => Promise<void>): Promise<PutResult> {
    const bucket = this.opts.bucket;
    const hash = createHash('sha256');
    let total = 0;
    let uploadId: string | undefined;
    let partNumber = 0;
    const parts: { PartNumber: number; ETag: string; ChecksumCRC32?: string }[] = [];
    const inFlight = new Set<Promise<void>>();
    let partFailure: unknown;
    let chunks: Buffer[] = [];
    let buffered = 0;
    const partSize = () => this.opts.partSizeBytes * 2 ** Math.floor(partNumber / PART_GROWTH_EVERY);
    const onAbort = () => body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });

    const sendPart = (data: Buffer) => {
      const n = ++partNumber;
      const p = this.client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: data, ChecksumAlgorithm: 'CRC32' }),
        { abortSignal: signal })
        .then((r) => { parts.push({ PartNumber: n, ETag: r.ETag ?? '', ...(r.ChecksumCRC32 ? { ChecksumCRC32: r.ChecksumCRC32 } : {}) }); })
        .catch((e) => { partFailure ??= e; })
        .finally(() => { inFlight.delete(p); });
      inFlight.add(p);
    };
    const checkFailure = () => { if (partFailure) throw partFailure; };

    try {
      if (signal.aborted) throw signal.reason;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        total += chunk.length;
        chunks.push(chunk);
        buffered += chunk.length;
        while (buffered >= partSize()) {
          const all = Buffer.concat(chunks);
          const size = partSize();
          chunks = [all.subarray(size)];
          buffered = all.length - size;
          if (!uploadId) {
            // An explicit checksum algorithm: S3 Object Lock buckets require a checksum on every part,
            // and CompleteMultipartUpload must then list each part's checksum.
            const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32' }), { abortSignal: signal });
            uploadId = created.UploadId;
            this.opts.log.debug('multipart upload started', { key, uploadId });
          }
          sendPart(all.subarray(0, size));
          // Bounded memory: wait while the maximum number of parts is in flight.
          while (inFlight.size >= MAX_PARTS_IN_FLIGHT) await Promise.race(inFlight);
          checkFailure();
        }
      }
      if (signal.aborted) throw signal.reason;
      await runGate(beforeCommit);
      const rest = Buffer.concat(chunks);
      if (!uploadId) {
        await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: rest, ChecksumAlgorithm: 'CRC32' }), { abortSignal: signal });
      } else {
        if (rest.length > 0) sendPart(rest);
        await Promise.all(inFlight);
        checkFailure();
        parts.sort((a, b) => a.PartNumber - b.PartNumber);
        await this.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), { abortSignal: signal });
      }
      return { bytes: total, sha256: hash.digest('hex') };
    } catch (err) {
      await Promise.allSettled([...inFlight]);
      if (uploadId) await this.abortUpload(key, uploadId);
      if (signal.aborted) throw signal.reason;
      if (err instanceof GateError) throw err.inner;
      throw this.wrap(`upload of ${key}`, err);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      // Not tied to the job's signal: the abort must still go out when the job was interrupted.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.opts.bucket, Key: key, UploadId: uploadId }), { abortSignal: AbortSignal.timeout(15000) });
      this.opts.log.warn('multipart upload aborted', { key, uploadId });
    } catch (e) {
      this.opts.log.error('could not abort the multipart upload; the bucket lifecycle rule AbortIncompleteMultipartUpload removes its parts',
        { key, uploadId, error: (e as Error).message });
    }
  }

  async putBytes(key: string, data: Buffer | string): Promise<PutResult> {
    const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: body, ChecksumAlgorithm: 'CRC32' }));
    } catch (e) {
      throw this.wrap(`upload of ${key}`, e);
    }
    return { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
  }

  async getStream(key: string, signal?: AbortSignal): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }), signal ? { abortSignal: signal } : {});
      return r.Body as Readable;
    } catch (e) {
      throw this.wrap(`download of ${key}`, e);
    }
  }

  async getBytes(key: string): Promise<Buffer> {
    const s = await this.getStream(key);
    const chunks: Buffer[] = [];
    try {
      for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
    } catch (e) {
      throw this.wrap(`download of ${key}`, e);
    }
    return Buffer.concat(chunks);
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw this.wrap(`listing of ${prefix}`, e);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return true;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return false;
      throw this.wrap(`lookup of ${key}`, e);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key }));
    } catch (e) {
      throw this.wrap(`delete of ${key}`, e);
    }
  }

  /**
   * S3 has no partial objects: an unfinished stream is an open multipart upload, which the runner
   * aborts itself and the bucket's AbortIncompleteMultipartUpload lifecycle rule removes after a
   * kill -9. Listing uploads here would need s3:ListBucketMultipartUploads, which the task role
   * does not have, so nothing is done.
   */
  async removeStalePartials(): Promise<string[]> {
    return [];
  }

  private wrap(what: string, err: unknown): StorageError {
    if (err instanceof StorageError) return err;
    const e = err as { name?: string; message?: string; code?: string; Code?: string };
    const detail = [e.name, e.code ?? e.Code, e.message].filter(Boolean).join(': ');
    return new StorageError(`S3 ${what} in ${this.location} failed: ${detail}`, { cause: err });
  }
}

/**
 * Refuses a posix repository root that is missing or not a directory. The runner never creates
 * the root: on a volume that is not mounted, creating it would write the backup onto the task's
 * own disk (and fill it) while reporting success. Exit 4 (storage).
 */
export function checkPosixRoot(root: string, flag = '--posix-repo'): void {
  let st;
  try {
    st = statSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new StorageError(`${flag} ${root} does not exist: the repository root must already exist (is the volume mounted?); the runner never creates it`);
    }
    throw wrapFs(`${flag} ${root}: stat`, e);
  }
  if (!st.isDirectory()) throw new StorageError(`${flag} ${root} is not a directory: the repository root must be an existing directory (is the volume mounted?)`);
}

/** A directory as the repository (EFS, tests). Same key layout as S3. The root must exist (checkPosixRoot). */
export class PosixStorage implements Storage {
  readonly location: string;
  constructor(private readonly root: string) {
    this.location = root;
  }

  private path(key: string): string {
    if (key.split('/').includes('..')) throw new StorageError(`storage key ${key} must not contain '..'`);
    return join(this.root, ...key.split('/'));
  }

  async putStream(key: string, body: Readable, signal: AbortSignal, beforeCommit?: () => Promise<void>): Promise<PutResult> {
    const final = this.path(key);
    const partial = `${final}.partial-${process.pid}`;
    const hash = createHash('sha256');
    let total = 0;
    try {
      // Synchronous on purpose: no await between being handed the stream and consuming it.
      mkdirSync(dirname(final), { recursive: true });
      await pipeline(body, async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) { hash.update(c); total += c.length; yield c; }
      }, createWriteStream(partial, { mode: 0o640 }), { signal });
      await runGate(beforeCommit);
      await rename(partial, final);
      return { bytes: total, sha256: hash.digest('hex') };
    } catch (e) {
      await rm(partial, { force: true });
      if (signal.aborted) throw signal.reason;
      if (e instanceof GateError) throw e.inner;
      throw wrapFs(`write of ${final}`, e);
    }
  }

  async putBytes(key: string, data: Buffer | string): Promise<PutResult> {
    const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const final = this.path(key);
    const partial = `${final}.partial-${process.pid}`;
    try {
      await mkdir(dirname(final), { recursive: true });
      await writeFile(partial, body, { mode: 0o640 });
      await rename(partial, final);
    } catch (e) {
      await rm(partial, { force: true });
      throw wrapFs(`write of ${final}`, e);
    }
    return { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
  }

  async getStream(key: string): Promise<Readable> {
    const p = this.path(key);
    if (!existsSync(p)) throw new StorageError(`${p} does not exist`);
    return createReadStream(p);
  }

  async getBytes(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (e) {
      throw wrapFs(`read of ${this.path(key)}`, e);
    }
  }

  /**
   * Calls `visit` with the key and path of every file under `prefix`, walking from the deepest
   * existing folder of the prefix; a folder that does not exist holds nothing.
   */
  private async eachFile(prefix: string, visit: (key: string, path: string, name: string) => Promise<void>): Promise<void> {
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try { entries = await readdir(dir, { withFileTypes: true }); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw wrapFs(`listing of ${dir}`, e);
      }
      for (const ent of entries) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) { await walk(p); continue; }
        if (!ent.isFile()) continue;
        const key = relative(this.root, p).split(sep).join('/');
        if (key.startsWith(prefix)) await visit(key, p, ent.name);
      }
    };
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(folder ? this.path(folder) : this.root);
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    await this.eachFile(prefix, async (key, p, name) => {
      if (!PARTIAL_RE.test(name)) out.push({ key, size: (await stat(p)).size });
    });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(this.path(key));
  }

  async removeStalePartials(prefix: string, olderThanMs: number): Promise<string[]> {
    const cutoff = Date.now() - olderThanMs;
    const removed: string[] = [];
    await this.eachFile(prefix, async (key, p, name) => {
      if (!PARTIAL_RE.test(name)) return;
      let mtime: number;
      try { mtime = (await stat(p)).mtimeMs; } catch { return; /* renamed or removed by its writer meanwhile */ }
      if (mtime >= cutoff) return;
      try { await unlink(p); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw wrapFs(`delete of ${p}`, e);
      }
      removed.push(key);
    });
    return removed.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFs(`delete of ${this.path(key)}`, e);
    }
  }
}

/** Marks an error raised by the beforeCommit gate, so it is not reported as a storage failure. */
class GateError extends Error {
  constructor(readonly inner: unknown) {
    super('beforeCommit failed');
  }
}

async function runGate(gate?: () => Promise<void>): Promise<void> {
  if (!gate) return;
  try {
    await gate();
  } catch (e) {
    throw new GateError(e);
  }
}

function wrapFs(what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as NodeJS.ErrnoException;
  const full = e.code === 'ENOSPC' ? ' (no space left on the device)' : '';
  return new StorageError(`${what} failed: ${e.code ?? ''} ${e.message}${full}`.replace(/\s+/g, ' '), { cause: err });
}
