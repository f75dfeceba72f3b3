/**
 * Runs one job: builds the JobContext, checks tools, dispatches the command to the engine, writes
 * the manifest last (backup), re-hashes objects (verify), applies retention (expire), and turns
 * every outcome into one log line, one EMF metric line and an exit code.
 */
import { ConfigurationError } from '../../../runtime/errors';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PassThrough, Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { COMMON_OPTIONS } from './common-options';
import type { DownloadOptions, Engine, JobContext, UploadOptions } from './engine';
import { asRunnerError, EXIT, MissingToolError, RunnerError, StorageError, VerificationError } from './errors';
import { HashCounter } from './hashing';
import { JsonLogger, LineSink, Logger, LogLevel, stdoutSink } from './logger';
import { Manifest, MANIFEST_NAME, ManifestBuilder, newBackupId, parseManifest, StoredObject } from '../../../runtime/manifest';
import { Metrics } from './metrics';
import { collectOptions, Command, envName, Options, OptionSpec } from './options';
import { ProcessRunner, RunningProcess } from './process';
import { Redactor } from './redact';
import { enforceReplicaLag } from './replica-guard';
import { removeStaleJobFolders, Spool } from './spool';
import { checkPosixRoot, PosixStorage, S3Storage, STALE_PARTIAL_AGE_MS, Storage } from './storage';

export interface JobRequest {
  readonly engine: Engine;
  readonly command: Command;
  readonly flags: ReadonlyMap<string, string>;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGTERM/SIGINT with an InterruptedError as reason. */
  readonly signal: AbortSignal;
  readonly sink?: LineSink;
  /** Problems found before the engine was known (argv syntax). */
  readonly problems?: string[];
}

/** All option specs of an engine (core + engine), in README order. */
export function optionSpecsFor(engine: Engine): OptionSpec[] {
  return [...COMMON_OPTIONS, ...(engine.options ?? [])];
}

/** Parses and validates everything for one command; throws one ConfigurationError with every problem. */
export function parseJobOptions(engine: Engine, command: Command, flags: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, initial: string[] = []): Options {
  const { options, problems } = collectOptions(optionSpecsFor(engine), command, flags, env, initial);
  const bucket = options.str('s3-bucket');
  const posix = options.str('posix-repo');
  if (!bucket && !posix) problems.push('one of --s3-bucket (RUNNER_S3_BUCKET) or --posix-repo (RUNNER_POSIX_REPO) is required');
  if (bucket && posix) problems.push(`--s3-bucket (${bucket}) and --posix-repo (${posix}) are mutually exclusive`);
  if (bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) problems.push(`--s3-bucket must be a valid bucket name, got ${JSON.stringify(bucket)}`);
  const endpoint = options.str('s3-endpoint');
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) problems.push(`--s3-endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  const ca = options.str('s3-ca-file');
  if (ca && !existsSync(ca)) problems.push(`--s3-ca-file ${ca} does not exist`);
  const database = options.str('database');
  if (database && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(database)) problems.push(`--database must be 1-128 letters, digits, '_', '.' or '-', got ${JSON.stringify(database)}`);
  const types = engine.backupTypes ?? ['full'];
  const type = options.str('type')!;
  if (command === 'backup' && !types.includes(type)) problems.push(`--type must be one of ${types.join(', ')} for engine ${engine.name}, got ${JSON.stringify(type)}`);
  if (command === 'backup' && options.has('max-replica-lag-seconds') && !engine.replicaStatus) {
    problems.push(`--max-replica-lag-seconds is not supported by engine ${engine.name}`);
  }
  if (command === 'expire' && !engine.expire && !options.has('retain-count')) problems.push('--retain-count (or RUNNER_RETAIN_COUNT) is required for expire');
  problems.push(...(engine.validate?.(command, options) ?? []));
  if (problems.length) throw new ConfigurationError('invalid configuration', problems);
  return options;
}

/** Resolves an executable on PATH (or an absolute path); '' when missing. */
export function findTool(name: string, path = process.env.PATH ?? ''): string {
  if (name.includes('/')) return existsSync(name) ? name : '';
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return '';
}

/** Runs the job; returns the process exit code. Never throws. */
export async function runJob(req: JobRequest): Promise<number> {
  const started = new Date();
  const { engine, command } = req;
  const sink = req.sink ?? stdoutSink;
  const redactor = new Redactor();
  // Secrets are registered before anything is logged, even when parsing fails later.
  for (const spec of optionSpecsFor(engine)) {
    if (spec.kind === 'secret') redactor.add(req.env[envName(spec)]);
  }
  for (const k of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) redactor.add(req.env[k]);
  const database = req.flags.get('database') ?? req.env.RUNNER_DATABASE ?? 'unknown';
  const levelRaw = req.flags.get('log-level') ?? req.env.RUNNER_LOG_LEVEL ?? 'info';
  const level: LogLevel = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === levelRaw) ?? 'info';
  const log: Logger = new JsonLogger(redactor, level, { engine: engine.name, command, database }, sink);
  const metrics = new Metrics({ database, engine: engine.name, job: command }, sink, (s) => redactor.redact(s));
  let spool: Spool | undefined;
  let bytesRaw: number | undefined;
  let bytesStored: number | undefined;
  const props: Record<string, string | number> = {};
  try {
    const options = parseJobOptions(engine, command, req.flags, req.env, req.problems ?? []);
    for (const s of options.secretValues()) redactor.add(s);
    const backupType = options.str('type')!;
    log.info('job started', { options: options.describe() });
    removeStaleJobFolders(options.str('spool-dir')!, log);
    const missing = (engine.toolsFor?.(command) ?? engine.requiredTools).filter((t) => !findTool(t));
    if (missing.length) throw new MissingToolError(missing.join(', '), engine.name);
    if (!options.str('s3-bucket')) checkPosixRoot(options.str('posix-repo')!);
    const storage: Storage = options.str('s3-bucket')
      ? new S3Storage({ bucket: options.str('s3-bucket')!, region: options.str('s3-region'), endpoint: options.str('s3-endpoint'),
        caFile: options.str('s3-ca-file'), partSizeBytes: options.int('s3-part-size-mb')! * 1024 * 1024, log })
      : new PosixStorage(options.str('posix-repo')!);
    const backupId = newBackupId(started, backupType);
    props.backupId = command === 'backup' ? backupId : (options.str('backup-id') ?? '');
    spool = new Spool(options.str('spool-dir')!, options.int('spool-max-bytes')!, `${engine.name}-${command}-${process.pid}-${started.getTime()}`, log);
    const ctx = createContext({ engine, command, options, log, metrics, redactor, signal: req.signal, storage, spool, database, backupType, backupId, started });

    switch (command) {
      case 'backup': {
        const maxLag = options.int('max-replica-lag-seconds');
        if (maxLag !== undefined) {
          const status = await engine.replicaStatus!(ctx);
          const decision = enforceReplicaLag(status, maxLag);
          log.info('replica lag guard passed', { reason: decision.reason });
        }
        const result = await engine.backup(ctx);
        throwIfAborted(req.signal);
        if (result.position) ctx.manifest.setPosition(result.position);
        if (result.parentBackupId) ctx.manifest.setParent(result.parentBackupId);
        for (const [k, v] of Object.entries(result.details ?? {})) ctx.manifest.setDetail(k, v);
        const manifest = redactor.redactValue(ctx.manifest.build(new Date()));
        throwIfAborted(req.signal);
        await storage.putBytes(ctx.backupKey(MANIFEST_NAME), JSON.stringify(manifest, null, 2) + '\n');
        bytesRaw = manifest.bytesRaw;
        bytesStored = manifest.bytesStored;
        log.info('backup complete', { backupId, objects: manifest.objects.length, bytesRaw, bytesStored, position: manifest.position,
          manifest: ctx.backupKey(MANIFEST_NAME) });
        break;
      }
      case 'restore': {
        await engine.restore(ctx);
        throwIfAborted(req.signal);
        log.info('restore complete');
        break;
      }
      case 'verify': {
        const m = await ctx.selectManifest();
        props.backupId = m.backupId;
        const checks = await verifyObjects(ctx, m);
        if (engine.verify) checks.push(...(await engine.verify(ctx, m)).checks);
        bytesStored = m.bytesStored;
        log.info('verify passed', { backupId: m.backupId, checks });
        break;
      }
      case 'expire': {
        if (engine.expire) await engine.expire(ctx);
        else await expireByCount(ctx, options.int('retain-count')!);
        // What killed writers left (kill -9 skips every clean-up): partial files, open multipart uploads.
        const stale = await storage.removeStalePartials(ctx.enginePrefix + '/', STALE_PARTIAL_AGE_MS);
        if (stale.length) log.info('stale partial objects removed', { olderThanHours: STALE_PARTIAL_AGE_MS / 3600_000, objects: stale });
        break;
      }
      case 'check': {
        await storage.list(ctx.enginePrefix + '/');
        if (engine.check) await engine.check(ctx);
        log.info('check passed', { storage: storage.location });
        break;
      }
      case 'info': {
        const info = engine.info ? await engine.info(ctx) : {
          backups: (await ctx.listManifests()).map((m) => ({ backupId: m.backupId, type: m.type, startedAt: m.startedAt, stoppedAt: m.stoppedAt,
            bytesRaw: m.bytesRaw, bytesStored: m.bytesStored, position: m.position })),
        };
        log.info('info', { info });
        break;
      }
    }
    const duration = (Date.now() - started.getTime()) / 1000;
    metrics.jobOutcome({ success: true, durationSeconds: duration, bytesRaw, bytesStored, properties: { ...props, exitCode: EXIT.ok } });
    return EXIT.ok;
  } catch (err) {
    const e = req.signal.aborted && !(err instanceof ConfigurationError) ? asRunnerError(req.signal.reason) : asRunnerError(err);
    const duration = (Date.now() - started.getTime()) / 1000;
    log.error(`${command} failed: ${e.message}`, { errorKind: e.kind, exitCode: e.exitCode, ...(e.kind === 'internal' && err instanceof Error ? { stack: err.stack } : {}) });
    metrics.jobOutcome({ success: false, durationSeconds: duration, properties: { ...props, exitCode: e.exitCode, errorKind: e.kind, error: e.message.slice(0, 500) } });
    return e.exitCode;
  } finally {
    try { spool?.cleanup(); } catch { /* best effort: the task's ephemeral storage goes away with it */ }
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}

interface ContextParts {
  engine: Engine; command: Command; options: Options; log: Logger; metrics: Metrics; redactor: Redactor; signal: AbortSignal;
  storage: Storage; spool: Spool; database: string; backupType: string; backupId: string; started: Date;
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

function createContext(p: ContextParts): JobContext {
  const prefix = trimSlashes(p.options.str('s3-prefix') ?? '');
  const enginePrefix = [prefix, p.database, p.engine.name].filter(Boolean).join('/');
  const manifest = new ManifestBuilder({ backupId: p.backupId, database: p.database, engine: p.engine.name, type: p.backupType, startedAt: p.started });
  const proc = new ProcessRunner(p.log, p.redactor, p.signal);
  const tools = new Map<string, string>();
  const tool = (name: string): string => {
    if (!tools.has(name)) {
      const found = findTool(name);
      if (!found) throw new MissingToolError(name, p.engine.name);
      tools.set(name, found);
    }
    return tools.get(name)!;
  };
  const backupKey = (name: string) => `${enginePrefix}/${p.backupId}/${name}`;

  const ctx: JobContext = {
    command: p.command, engine: p.engine.name, database: p.database, backupType: p.backupType, options: p.options,
    log: p.log, metrics: p.metrics, redactor: p.redactor, signal: p.signal, storage: p.storage, proc, spool: p.spool,
    manifest, backupId: p.backupId, enginePrefix, backupKey, tool,

    async upload(name: string, source: Readable, opts: UploadOptions = {}): Promise<StoredObject> {
      const key = backupKey(name);
      const compress = opts.compress ?? true;
      const raw = new HashCounter();
      let zstd: RunningProcess | undefined;
      let body: Readable;
      if (compress) {
        zstd = proc.start({ cmd: tool('zstd'), args: ['-q', '-c', `-${p.options.int('zstd-level')}`, `-T${p.options.int('zstd-threads')}`],
          stdin: 'pipe', failureKind: 'storage', label: 'zstd' });
        pipeline(source, raw, zstd.stdin!).catch(() => { /* a broken pipe here is a consequence; the root cause is reported below */ });
        body = zstd.stdout!;
      } else {
        const pass = new PassThrough();
        pipeline(source, raw, pass).catch((e) => pass.destroy(e));
        body = pass;
      }
      const gate = async () => {
        if (opts.producer) await opts.producer.done;
        if (zstd) await zstd.done;
      };
      let put;
      try {
        put = await p.storage.putStream(key, body, p.signal, gate);
      } catch (e) {
        // Storage failed first: stop the producer so it does not block on a full pipe.
        source.destroy();
        opts.producer?.child?.kill('SIGTERM');
        zstd?.child.kill('SIGTERM');
        throw e;
      }
      // A zstd stream is never empty (even empty input has a frame header): an empty object means
      // the compressed output was lost, and must never be committed to a manifest.
      if (compress && put.bytes === 0) throw new StorageError(`${key}: the stored zstd stream is empty (0 bytes); the backup is not usable`);
      const obj: StoredObject = { key, sha256: put.sha256, bytes: put.bytes, rawBytes: raw.bytes, compression: compress ? 'zstd' : 'none' };
      manifest.addObject(obj);
      p.log.info('object stored', { key, bytesRaw: obj.rawBytes, bytesStored: obj.bytes, sha256: obj.sha256 });
      return obj;
    },

    async download(key: string, opts: DownloadOptions = {}): Promise<Readable> {
      const stored = await p.storage.getStream(key, p.signal);
      const check = new VerifyingHash(key, opts.sha256);
      if (opts.decompress === false) {
        const out = new PassThrough();
        pipeline(stored, check, out).catch((e) => out.destroy(asStorageOrVerify(e, key)));
        return out;
      }
      const unz = proc.start({ cmd: tool('zstd'), args: ['-q', '-d', '-c'], stdin: 'pipe', failureKind: 'storage', label: 'zstd -d' });
      const out = new PassThrough();
      pipeline(stored, check, unz.stdin!).catch((e) => {
        // The root cause: zstd then only sees its input end early ("unexpected end of file").
        p.log.error('download failed', { key, error: (e as Error).message });
        out.destroy(asStorageOrVerify(e, key));
        unz.child.kill('SIGTERM');
      });
      unz.stdout!.pipe(out, { end: false });
      unz.stdout!.on('end', () => {
        unz.done.then(() => out.end(), (e) => out.destroy(e));
      });
      return out;
    },

    async listManifests(): Promise<Manifest[]> {
      const objs = await p.storage.list(enginePrefix + '/');
      const re = new RegExp(`^${escapeRe(enginePrefix)}/([^/]+)/${escapeRe(MANIFEST_NAME)}$`);
      const out: Manifest[] = [];
      for (const o of objs) {
        if (!re.test(o.key)) continue;
        const text = (await p.storage.getBytes(o.key)).toString('utf8');
        try {
          out.push(parseManifest(text, o.key));
        } catch (e) {
          p.log.warn('ignoring an unreadable manifest', { key: o.key, error: (e as Error).message });
        }
      }
      return out.sort((a, b) => (a.backupId < b.backupId ? -1 : a.backupId > b.backupId ? 1 : 0));
    },

    async selectManifest(): Promise<Manifest> {
      const id = p.options.str('backup-id');
      if (id) {
        const key = `${enginePrefix}/${id}/${MANIFEST_NAME}`;
        if (!(await p.storage.exists(key))) {
          throw new RunnerError('verification', `backup ${id} has no manifest at ${key} in ${p.storage.location}: it does not exist or never completed`);
        }
        try {
          return parseManifest((await p.storage.getBytes(key)).toString('utf8'), key);
        } catch (e) {
          if (e instanceof RunnerError) throw e;
          throw new VerificationError((e as Error).message);
        }
      }
      const all = await ctx.listManifests();
      if (all.length === 0) throw new RunnerError('verification', `no complete backup (no manifest) under ${enginePrefix}/ in ${p.storage.location}`);
      return all[all.length - 1];
    },

    async recordToolVersion(name: string, args: string[] = ['--version']): Promise<string> {
      const r = spawnSync(tool(name), args, { encoding: 'utf8', env: proc.childEnv(), timeout: 15000 });
      const first = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'unknown';
      manifest.setToolVersion(name, first);
      return first;
    },
  };
  return ctx;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function asStorageOrVerify(e: unknown, key: string): Error {
  if (e instanceof RunnerError) return e;
  return new StorageError(`download of ${key} failed: ${(e as Error).message}`);
}

/** Hashes a downloaded stream and fails it at the end when the SHA-256 differs from the manifest. */
class VerifyingHash extends Transform {
  private readonly hash = createHash('sha256');
  constructor(private readonly key: string, private readonly expected?: string) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const got = this.hash.digest('hex');
    if (this.expected && got !== this.expected) {
      return cb(new VerificationError(`${this.key}: SHA-256 ${got} does not match the manifest's ${this.expected}`));
    }
    cb();
  }
}

/** Re-hashes every object of a manifest from storage; throws a VerificationError listing every mismatch. */
async function verifyObjects(ctx: JobContext, m: Manifest): Promise<string[]> {
  const problems: string[] = [];
  const checks: string[] = [];
  if (m.objects.length === 0) problems.push(`manifest of ${m.backupId} lists no objects`);
  for (const o of m.objects) {
    if (!(await ctx.storage.exists(o.key))) { problems.push(`${o.key} is missing`); continue; }
    const s = await ctx.storage.getStream(o.key, ctx.signal);
    const h = new HashCounter();
    await pipeline(s, h, async function* (src: AsyncIterable<Buffer>) { for await (const _ of src) { /* drain */ } });
    if (h.sha256 !== o.sha256) problems.push(`${o.key}: SHA-256 ${h.sha256} does not match the manifest's ${o.sha256}`);
    else if (h.bytes !== o.bytes) problems.push(`${o.key}: ${h.bytes} bytes stored, the manifest says ${o.bytes}`);
    else checks.push(`${o.key}: sha256 ok (${o.bytes} bytes)`);
  }
  if (problems.length) throw new VerificationError(`backup ${m.backupId} failed verification: ${problems.join('; ')}`);
  return checks;
}

/**
 * Count-based retention for engines without their own: keeps the newest N complete backups and
 * every backup a kept one depends on. Deletes the manifest first (so a half-expired backup is never
 * "complete"), then its objects. On a versioned, Object-Locked bucket these deletes only add delete
 * markers; the versions stay recoverable until their lock ends.
 */
async function expireByCount(ctx: JobContext, keep: number): Promise<void> {
  const all = await ctx.listManifests();
  const kept = new Set(all.slice(-keep).map((m) => m.backupId));
  const byId = new Map(all.map((m) => [m.backupId, m]));
  for (const id of [...kept]) {
    let parent = byId.get(id)?.parentBackupId;
    while (parent && !kept.has(parent)) { kept.add(parent); parent = byId.get(parent)?.parentBackupId; }
  }
  const expired = all.filter((m) => !kept.has(m.backupId));
  for (const m of expired) {
    await ctx.storage.delete(`${ctx.enginePrefix}/${m.backupId}/${MANIFEST_NAME}`);
    for (const o of m.objects) await ctx.storage.delete(o.key);
    ctx.log.info('backup expired', { backupId: m.backupId, objects: m.objects.length });
  }
  ctx.log.info('expire complete', { kept: [...kept].sort(), expired: expired.map((m) => m.backupId) });
}
