/**
 * The contract between the runner core and the engines. An engine turns one command into tool
 * invocations; the core owns configuration, logging, metrics, storage, the manifest, signals and
 * exit codes, so every engine fails and reports the same way.
 */
import type { Readable } from 'node:stream';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { Command, OptionSpec, Options } from './options';
import type { Manifest, ManifestBuilder, StoredObject } from '../../../runtime/manifest';
import type { ProcessRunner } from './process';
import type { Spool } from './spool';
import type { Storage } from './storage';
import type { Redactor } from './redact';
import type { ReplicaStatus } from './replica-guard';
import type { RunningProcess } from './process';

export interface UploadOptions {
  /** Compress through zstd before storing (default true). The object name gets no suffix added. */
  readonly compress?: boolean;
  /**
   * The process writing `source`. The object is committed only after it exited 0: a tool that dies
   * mid-stream leaves a truncated stream, which must never become a stored object. When the storage
   * fails first, the producer is killed and the storage error is reported.
   */
  readonly producer?: Pick<RunningProcess, 'done' | 'child'>;
}

export interface DownloadOptions {
  /** Decompress zstd (default true); pass false for objects stored with compression 'none'. */
  readonly decompress?: boolean;
  /** Expected SHA-256 of the stored bytes: the stream errors with a VerificationError on mismatch. */
  readonly sha256?: string;
}

/** Everything an engine gets for one job. */
export interface JobContext {
  readonly command: Command;
  readonly engine: string;
  /** --database: logical name (metric dimension, storage path). */
  readonly database: string;
  /** --type (backup only is meaningful). */
  readonly backupType: string;
  /** Core and engine options, parsed and validated. */
  readonly options: Options;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly redactor: Redactor;
  /** Aborted on SIGTERM/SIGINT: stop work, kill children, abort uploads. */
  readonly signal: AbortSignal;
  readonly storage: Storage;
  /** Processes with redacted argv logging, minimal environment, and abort on signal. */
  readonly proc: ProcessRunner;
  readonly spool: Spool;
  /**
   * backup only: the manifest being built. The core adds objects uploaded with `upload()`, sets
   * start/stop and byte totals, and writes it after backup() resolves — never on failure.
   */
  readonly manifest: ManifestBuilder;
  /** backup only: id of the backup being written (sortable UTC timestamp + type). */
  readonly backupId: string;
  /** Storage key of a name inside the current backup's folder. */
  backupKey(name: string): string;
  /** Storage key prefix of this database+engine (all its backups). */
  readonly enginePrefix: string;
  /** Streams `source` to storage as `<backup>/<name>` (zstd unless told not to), hashing as it goes; records it in the manifest. */
  upload(name: string, source: Readable, opts?: UploadOptions): Promise<StoredObject>;
  /** Streams a stored object back (decompressed), checking its SHA-256 at the end when known. */
  download(key: string, opts?: DownloadOptions): Promise<Readable>;
  /** Manifests of this database+engine, oldest first (complete backups only). */
  listManifests(): Promise<Manifest[]>;
  /** The manifest of --backup-id, or of the newest backup; a RunnerError when there is none. */
  selectManifest(): Promise<Manifest>;
  /** Path of a required tool (checked at job start). */
  tool(name: string): string;
  /** Runs `<tool> <args>` and records the first line of its output in the manifest's toolVersions. */
  recordToolVersion(tool: string, args?: string[]): Promise<string>;
}

/** What backup() returns; merged into the manifest. */
export interface BackupResult {
  /** Engine position at the end of the backup: LSN, binlog file/position, oplog timestamp. */
  readonly position?: Record<string, string>;
  /** Backup this one depends on (incremental/differential chains). */
  readonly parentBackupId?: string;
  /** Engine-specific facts worth keeping (label, stanza, chain). */
  readonly details?: Record<string, unknown>;
}

/** What verify() adds after the core re-hashed every stored object. */
export interface VerifyResult {
  readonly checks: string[];
}

export interface Engine {
  /** CLI name (`--engine`). */
  readonly name: string;
  readonly description: string;
  /** Every executable the engine may run (the image test maps each to a package in runner/apt-packages.txt). */
  readonly requiredTools: readonly string[];
  /** Tools needed for one command (checked at job start); defaults to requiredTools. */
  toolsFor?(command: Command): readonly string[];
  /** Backup types accepted by --type; default ['full']. */
  readonly backupTypes?: readonly string[];
  /** Engine-specific options (flags/env), parsed and validated with the core's. */
  readonly options?: readonly OptionSpec[];
  /** Extra cross-field checks; return every problem found (each naming the flag and value). */
  validate?(command: Command, options: Options): string[];
  /** Measures whether the source is a replica and its lag (for --max-replica-lag-seconds). */
  replicaStatus?(job: JobContext): Promise<ReplicaStatus>;
  backup(job: JobContext): Promise<BackupResult>;
  restore(job: JobContext): Promise<void>;
  /** Engine-specific verification after the core's hash check (e.g. pg_restore --list). */
  verify?(job: JobContext, manifest: Manifest): Promise<VerifyResult>;
  /** Engine-specific retention; when absent, the core's count-based expire applies. */
  expire?(job: JobContext): Promise<void>;
  check?(job: JobContext): Promise<void>;
  info?(job: JobContext): Promise<Record<string, unknown>>;
}
