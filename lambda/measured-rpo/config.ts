/**
 * Loads and checks the measured-RPO configuration: inline JSON from the environment, or an SSM
 * parameter named there. Every problem is reported at once.
 */
import { ConfigurationError, throwIfProblems } from '../../runtime/errors';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { MEASURED_RPO_ENV, MeasuredRpoConfig, MeasuredRpoS3Location } from '../../runtime/contracts/measured-rpo';

export async function loadConfig(env: NodeJS.ProcessEnv, ssm: () => SSMClient): Promise<MeasuredRpoConfig> {
  const inline = env[MEASURED_RPO_ENV.config];
  const parameter = env[MEASURED_RPO_ENV.configParameter];
  let text: string;
  let where: string;
  if (inline) {
    text = inline;
    where = `environment variable ${MEASURED_RPO_ENV.config}`;
  } else if (parameter) {
    const r = await ssm().send(new GetParameterCommand({ Name: parameter }));
    text = r.Parameter?.Value ?? '';
    where = `SSM parameter ${parameter}`;
  } else {
    throw new ConfigurationError('measured-rpo', [`${MEASURED_RPO_ENV.config} (JSON) or ${MEASURED_RPO_ENV.configParameter} (SSM parameter name): neither is set`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigurationError('measured-rpo', [`${where}: not valid JSON: ${(e as Error).message}`]);
  }
  const problems = checkConfig(parsed);
  throwIfProblems(`measured-rpo: ${where}`, problems);
  return parsed as MeasuredRpoConfig;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function checkLocation(path: string, v: unknown, problems: string[]): void {
  const l = v as Partial<MeasuredRpoS3Location>;
  if (!isString(l?.bucket)) problems.push(`${path}.bucket must be a bucket name, got ${JSON.stringify(l?.bucket)}`);
  if (typeof l?.prefix !== 'string') problems.push(`${path}.prefix must be a string, got ${JSON.stringify(l?.prefix)}`);
}

/** Every problem in the configuration, each naming the path and the bad value. */
export function checkConfig(c: unknown): string[] {
  const problems: string[] = [];
  const dbs = (c as Partial<MeasuredRpoConfig>)?.databases;
  if (!Array.isArray(dbs)) return [`databases must be an array, got ${JSON.stringify(dbs)}`];
  const names = new Set<string>();
  dbs.forEach((d, i) => {
    const p = `databases[${i}]`;
    if (!isString(d?.name)) problems.push(`${p}.name must be a non-empty string, got ${JSON.stringify(d?.name)}`);
    else if (names.has(d.name)) problems.push(`${p}.name '${d.name}' appears twice`);
    else names.add(d.name);
    if (!d?.awsBackup && !d?.rds && !d?.manifests && !d?.walArchive && !(d?.silenceChecks?.length)) {
      problems.push(`${p} ('${d?.name}') has no source: set awsBackup, rds, manifests, walArchive or silenceChecks`);
    }
    (d?.silenceChecks ?? []).forEach((c, j) => {
      const q = `${p}.silenceChecks[${j}]`;
      if (!isString(c?.check) || !isString(c?.namespace) || !isString(c?.metricName) || typeof c?.dimensions !== 'object') {
        problems.push(`${q} needs check, namespace, metricName and dimensions, got ${JSON.stringify(c)}`);
      }
      if (!(typeof c?.lookbackSeconds === 'number' && c.lookbackSeconds > 0 && c.lookbackSeconds <= 455 * 86400)) {
        problems.push(`${q}.lookbackSeconds must be between 1 and 455 days (CloudWatch keeps 15 months), got ${JSON.stringify(c?.lookbackSeconds)}`);
      }
      if (c?.windowSeconds !== undefined && !(typeof c.windowSeconds === 'number' && c.windowSeconds > 0)) {
        problems.push(`${q}.windowSeconds must be a positive number of seconds, got ${JSON.stringify(c.windowSeconds)}`);
      }
      if ((c?.windowSeconds === undefined) !== (c?.kind === undefined)) {
        problems.push(`${q}: windowSeconds and kind go together (both publish SilencePercentOfWindow), got windowSeconds ${JSON.stringify(c?.windowSeconds)} and kind ${JSON.stringify(c?.kind)}`);
      } else if (c?.kind !== undefined && !isString(c.kind)) {
        problems.push(`${q}.kind must be a non-empty string, got ${JSON.stringify(c.kind)}`);
      }
    });
    if (d?.awsBackup && (!Array.isArray(d.awsBackup.resourceArns) || d.awsBackup.resourceArns.length === 0 || !d.awsBackup.resourceArns.every(isString))) {
      problems.push(`${p}.awsBackup.resourceArns must be a non-empty list of ARNs, got ${JSON.stringify(d.awsBackup.resourceArns)}`);
    }
    if (d?.awsBackup?.vaults !== undefined && (!Array.isArray(d.awsBackup.vaults) || !d.awsBackup.vaults.every((v) => isString(v?.name)))) {
      problems.push(`${p}.awsBackup.vaults must be a list of { name, region?, accountId? }, got ${JSON.stringify(d.awsBackup.vaults)}`);
    }
    if (d?.rds && !isString(d.rds.instanceIdentifier) && !isString(d.rds.clusterIdentifier)) {
      problems.push(`${p}.rds needs instanceIdentifier or clusterIdentifier, got ${JSON.stringify(d.rds)}`);
    }
    if (d?.rpoSeconds !== undefined && !(typeof d.rpoSeconds === 'number' && d.rpoSeconds > 0)) {
      problems.push(`${p}.rpoSeconds must be a positive number of seconds, got ${JSON.stringify(d.rpoSeconds)}`);
    }
    if (d?.manifests) checkLocation(`${p}.manifests`, d.manifests, problems);
    if (d?.walArchive) checkLocation(`${p}.walArchive`, d.walArchive, problems);
  });
  return problems;
}
