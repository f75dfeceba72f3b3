/** pgBackRest never runs against RDS/Aurora, so their host has no pgBackRest TLS identity. */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck, isAwsManaged } from './file-check';

export const rdsTlsSecret: IDatabaseFileCheck = {
  id: 'rds-tls-secret',
  description: 'host.tls_secret_arn is not given for rds/aurora.',
  evaluate({ raw, path }: DatabaseFileContext) {
    if (!isAwsManaged(raw.deployment)) {
      return notApplicable();
    }
    if (raw.host?.tls_secret_arn !== undefined) {
      return nonCompliant(`${path}.host.tls_secret_arn: pgBackRest does not run against ${raw.deployment} (AWS manages its WAL); remove it`);
    }
    return compliant();
  },
};
