/**
 * The validator of a verified rds/aurora database connects to the restored copy with the master
 * secret and takes its baseline from production as a read-only user; a self-managed drill uses
 * host.secret_arn instead, so those secrets do not belong there.
 */
import { compliant, fromProblems, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck, isAwsManaged } from './file-check';

const RDS_FIELDS = ['database_name', 'master_secret_arn', 'read_only_secret_arn'] as const;

export const verificationCredentials: IDatabaseFileCheck = {
  id: 'verification-credentials',
  description: 'verification names the database and secrets for rds/aurora, and no rds secrets for self-managed.',
  evaluate({ raw, path }: DatabaseFileContext) {
    const v = raw.verification;
    if (v === undefined) {
      return notApplicable();
    }
    if (isAwsManaged(raw.deployment)) {
      return fromProblems(RDS_FIELDS.filter((field) => v[field] === undefined).map((field) =>
        `${path}.verification.${field}: required for a verified ${raw.deployment} database (the validator connects to the restored copy), got nothing`));
    }
    if (v.master_secret_arn !== undefined || v.read_only_secret_arn !== undefined) {
      return fromProblems([`${path}.verification: master_secret_arn and read_only_secret_arn apply to rds/aurora; a self-managed drill restores into a throw-away server in the task and uses host.secret_arn for the baseline`]);
    }
    return compliant();
  },
};
