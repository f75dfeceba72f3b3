/**
 * The spool directory: scratch space for tools that need a file instead of a stream (pg_restore
 * -j needs a seekable archive; client defaults files with passwords). It honours a byte quota
 * (--spool-max-bytes) so a task with a small ephemeral volume fails cleanly with exit 4 before
 * the disk fills, and it maps a real ENOSPC to the same clear error.
 */
import { createWriteStream, mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { StorageError } from './errors';
import type { Logger } from './logger';

/** Per-job folder names: `<engine>-<command>-<pid>-<start ms>`. */
const JOB_FOLDER_RE = /^[a-z][a-z-]*-[a-z]+-(\d+)-(\d{10,})$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the folders that jobs killed with `kill -9` left under --spool-dir (option files with
 * passwords, TLS keys, pgBackRest lock files): only folders named like a job's whose process no
 * longer exists, never this job's or a running one's. The spool directory is local to the host or
 * task, so the process id is meaningful. Returns the removed folders.
 */
export function removeStaleJobFolders(root: string, log: Logger): string[] {
  let names: string[];
  try { names = readdirSync(root); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    const m = JOB_FOLDER_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      rmSync(join(root, name), { recursive: true, force: true });
      removed.push(name);
    } catch (e) {
      log.warn('could not remove a stale spool folder', { folder: join(root, name), error: (e as Error).message });
    }
  }
  if (removed.length) log.info('removed spool folders of jobs that were killed', { root, folders: removed });
  return removed;
}

export class Spool {
  /** Per-job folder under --spool-dir. */
  readonly dir: string;
  private used = 0;
  private created = false;

  constructor(root: string, private readonly maxBytes: number, jobId: string, private readonly log: Logger) {
    this.dir = join(root, jobId);
  }

  private ensure(): void {
    if (this.created) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new StorageError(`spool directory ${this.dir} cannot be created: ${(e as Error).message}`);
    }
    this.created = true;
    try {
      const fs = statfsSync(this.dir);
      this.log.debug('spool directory ready', { dir: this.dir, freeBytes: fs.bavail * fs.bsize, quotaBytes: this.maxBytes || null });
    } catch { /* statfs is informational only */ }
  }

  path(name: string): string {
    this.ensure();
    return join(this.dir, name);
  }

  /** A 0600 file with small content (counts towards the quota). */
  writeSecretFile(name: string, content: string): string {
    const p = this.path(name);
    this.charge(name, Buffer.byteLength(content));
    try {
      writeFileSync(p, content, { mode: 0o600 });
    } catch (e) {
      throw this.diskError(name, e as Error);
    }
    return p;
  }

  /** A writable file stream that fails with a StorageError when the quota or the disk is full. */
  createWriteStream(name: string): { path: string; stream: Writable } {
    const p = this.path(name);
    const file = createWriteStream(p, { mode: 0o600 });
    const spool = this;
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        try { spool.charge(name, chunk.length); } catch (e) { return cb(e as Error); }
        file.write(chunk, (err) => cb(err ? spool.diskError(name, err) : null));
      },
      final(cb) { file.end((err?: Error | null) => cb(err ? spool.diskError(name, err) : null)); },
      destroy(err, cb) { file.destroy(); cb(err); },
    });
    return { path: p, stream };
  }

  private charge(name: string, bytes: number): void {
    if (this.maxBytes > 0 && this.used + bytes > this.maxBytes) {
      throw new StorageError(`spool directory ${this.dir} is full: writing ${name} would exceed --spool-max-bytes=${this.maxBytes} (${this.used} bytes used); give the task more ephemeral storage or raise the quota`);
    }
    this.used += bytes;
  }

  private diskError(name: string, err: Error): Error {
    const code = (err as NodeJS.ErrnoException).code;
    return new StorageError(code === 'ENOSPC'
      ? `spool directory ${this.dir} is full (no space left on the device) while writing ${name}`
      : `writing ${name} in the spool directory ${this.dir} failed: ${err.message}`);
  }

  get usedBytes(): number { return this.used; }

  /** Removes everything this job spooled (secrets files included). */
  cleanup(): void {
    if (this.created) rmSync(this.dir, { recursive: true, force: true });
  }
}
