/**
 * The manifest: the proof that a backup is complete. It is written last, after every object is
 * stored, so a backup without a manifest is by definition incomplete and is never restored or
 * counted as a success. `verify` re-hashes every object it lists.
 */
export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 1;

export interface StoredObject {
  /** Storage key (relative to the repository root). */
  readonly key: string;
  /** SHA-256 (hex) of the bytes as stored (after compression). */
  readonly sha256: string;
  /** Bytes as stored. */
  readonly bytes: number;
  /** Bytes before compression (equals bytes when not compressed). */
  readonly rawBytes: number;
  readonly compression: 'zstd' | 'none';
}

export interface Manifest {
  readonly formatVersion: number;
  readonly backupId: string;
  readonly database: string;
  readonly engine: string;
  readonly type: string;
  readonly startedAt: string;
  readonly stoppedAt: string;
  readonly durationSeconds: number;
  readonly bytesRaw: number;
  readonly bytesStored: number;
  readonly objects: StoredObject[];
  readonly position: Record<string, string>;
  readonly toolVersions: Record<string, string>;
  readonly parentBackupId?: string;
  readonly details: Record<string, unknown>;
}

/** Collects manifest facts while a backup runs. */
export class ManifestBuilder {
  private readonly objects: StoredObject[] = [];
  private readonly toolVersions: Record<string, string> = {};
  private readonly position: Record<string, string> = {};
  private readonly details: Record<string, unknown> = {};
  private parentBackupId?: string;

  constructor(private readonly base: { backupId: string; database: string; engine: string; type: string; startedAt: Date }) {}

  addObject(o: StoredObject): void { this.objects.push(o); }
  setToolVersion(tool: string, version: string): void { this.toolVersions[tool] = version; }
  setPosition(p: Record<string, string>): void { Object.assign(this.position, p); }
  setDetail(key: string, value: unknown): void { this.details[key] = value; }
  setParent(id: string): void { this.parentBackupId = id; }
  get objectCount(): number { return this.objects.length; }
  get bytesRaw(): number { return this.objects.reduce((n, o) => n + o.rawBytes, 0); }
  get bytesStored(): number { return this.objects.reduce((n, o) => n + o.bytes, 0); }

  build(stoppedAt: Date): Manifest {
    return {
      formatVersion: MANIFEST_FORMAT,
      backupId: this.base.backupId,
      database: this.base.database,
      engine: this.base.engine,
      type: this.base.type,
      startedAt: this.base.startedAt.toISOString(),
      stoppedAt: stoppedAt.toISOString(),
      durationSeconds: (stoppedAt.getTime() - this.base.startedAt.getTime()) / 1000,
      bytesRaw: this.bytesRaw,
      bytesStored: this.bytesStored,
      objects: [...this.objects],
      position: { ...this.position },
      toolVersions: { ...this.toolVersions },
      ...(this.parentBackupId ? { parentBackupId: this.parentBackupId } : {}),
      details: { ...this.details },
    };
  }
}

/** Parses and checks a manifest's shape; throws with the reason when it is not one. */
export function parseManifest(text: string, where: string): Manifest {
  let m: unknown;
  try { m = JSON.parse(text); } catch (e) { throw new Error(`${where} is not valid JSON: ${(e as Error).message}`); }
  const o = m as Partial<Manifest>;
  const problems: string[] = [];
  if (o.formatVersion !== MANIFEST_FORMAT) problems.push(`formatVersion ${String(o.formatVersion)} is not ${MANIFEST_FORMAT}`);
  for (const f of ['backupId', 'engine', 'database', 'type', 'startedAt', 'stoppedAt'] as const) {
    if (typeof o[f] !== 'string') problems.push(`${f} is missing`);
  }
  if (!Array.isArray(o.objects)) problems.push('objects is missing');
  else o.objects.forEach((x, i) => {
    if (typeof x?.key !== 'string' || !/^[0-9a-f]{64}$/.test(String(x?.sha256)) || typeof x?.bytes !== 'number') {
      problems.push(`objects[${i}] needs key, sha256 (64 hex) and bytes`);
    }
  });
  if (problems.length) throw new Error(`${where} is not a valid manifest: ${problems.join('; ')}`);
  return o as Manifest;
}

/** A sortable backup id: UTC time to the second, then the type (e.g. 20261123T055100Z-full). */
export function newBackupId(now: Date, type: string): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${iso}-${type}`;
}
