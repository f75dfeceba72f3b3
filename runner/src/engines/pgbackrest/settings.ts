/**
 * Resolves the pgBackRest settings for one job: the JSON settings the construct rendered
 * (RUNNER_PGBACKREST_SETTINGS), with the core's storage flags (bucket, region, endpoint, CA) and
 * the retention/parallelism flags applied on top, then validated by the same function the
 * construct uses, so both sides reject the same mistakes.
 */
import {
  PGBACKREST_RUNNER_ENV, PgBackRestSettings, pgBackRestSettingsProblems,
} from '../../../../runtime/pgbackrest/config';
import type { Options } from '../../core/options';

export interface ResolvedSettings {
  readonly settings?: PgBackRestSettings;
  readonly problems: string[];
}

export function resolveSettings(options: Options): ResolvedSettings {
  const raw = options.str('pgbackrest-settings');
  const where = `--pgbackrest-settings (or ${PGBACKREST_RUNNER_ENV.settings})`;
  if (raw === undefined || raw === '') return { problems: [`${where} is required`] };
  let parsed: PgBackRestSettings;
  try {
    parsed = JSON.parse(raw) as PgBackRestSettings;
  } catch (e) {
    return { problems: [`${where} is not valid JSON: ${(e as Error).message}`] };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { problems: [`${where} must be a JSON object, got ${JSON.stringify(parsed)}`] };
  }
  const problems: string[] = [];
  let repository = { ...(parsed.repository ?? {}) } as PgBackRestSettings['repository'];
  const endpoint = options.str('s3-endpoint');
  if (endpoint !== undefined) {
    try {
      const u = new URL(endpoint);
      if (u.protocol !== 'https:') problems.push(`--s3-endpoint must be an https URL for pgBackRest, got ${JSON.stringify(endpoint)}`);
      repository = { ...repository, endpoint: u.hostname, pathStyle: true, ...(u.port ? { port: Number(u.port) } : {}) };
    } catch {
      problems.push(`--s3-endpoint must be a URL, got ${JSON.stringify(endpoint)}`);
    }
  }
  const bucket = options.str('s3-bucket');
  if (bucket !== undefined) repository = { ...repository, bucket };
  const region = options.str('s3-region');
  if (region !== undefined && !repository.region) repository = { ...repository, region };
  const ca = options.str('s3-ca-file');
  if (ca !== undefined) repository = { ...repository, caFile: ca };

  const retentionFull = options.int('pgbackrest-retention-full') ?? options.int('retain-count') ?? parsed.retentionFull;
  const retentionDiff = options.int('pgbackrest-retention-diff') ?? parsed.retentionDiff;
  const processMax = options.int('pgbackrest-process-max') ?? parsed.processMax;
  const repositoryType = options.str('pgbackrest-repo-type') ?? parsed.repositoryType;
  const repoPath = options.str('pgbackrest-repo-path');
  const posixRepository = repoPath !== undefined ? { path: repoPath } : parsed.posixRepository;
  if (repoPath !== undefined && (repositoryType ?? 's3') !== 'posix') {
    problems.push(`--pgbackrest-repo-path (${repoPath}) needs --pgbackrest-repo-type posix`);
  }
  const compressType = options.str('pgbackrest-compress-type') ?? parsed.compressType;
  const compressLevel = options.int('pgbackrest-compress-level') ?? parsed.compressLevel;
  const settings: PgBackRestSettings = {
    ...parsed,
    repository,
    ...(repositoryType !== undefined ? { repositoryType } : {}),
    ...(posixRepository !== undefined ? { posixRepository } : {}),
    ...(compressType !== undefined ? { compressType } : {}),
    ...(compressLevel !== undefined ? { compressLevel } : {}),
    ...(retentionFull !== undefined ? { retentionFull } : {}),
    ...(retentionDiff !== undefined ? { retentionDiff } : {}),
    ...(processMax !== undefined ? { processMax } : {}),
  };
  problems.push(...pgBackRestSettingsProblems(settings).map((p) => `${PGBACKREST_RUNNER_ENV.settings}: ${p}`));
  return { settings, problems };
}
