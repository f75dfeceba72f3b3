/**
 * On a self-managed host the runner reaches `pgbackrest server` over TLS with host.tls_secret_arn:
 * required for PostgreSQL with archive "pgbackrest", unused with any other archive.
 */
import { compliant, nonCompliant, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';
import { showValue } from '../json-errors';

export const pgbackrestTlsSecret: IDatabaseFileCheck = {
  id: 'pgbackrest-tls-secret',
  description: 'A self-managed host gives tls_secret_arn with archive "pgbackrest" (PostgreSQL), and only then.',
  evaluate({ raw, path }: DatabaseFileContext) {
    if (raw.deployment !== 'self-managed' || raw.host === undefined) {
      return notApplicable();
    }
    if (raw.db_type === 'postgres' && raw.archive === 'pgbackrest' && raw.host.tls_secret_arn === undefined) {
      return nonCompliant(`${path}.host.tls_secret_arn: required with archive "pgbackrest" (the runner reaches the host's \`pgbackrest server\` over TLS with this identity), got nothing`);
    }
    if (raw.host.tls_secret_arn !== undefined && raw.archive !== 'pgbackrest') {
      return nonCompliant(`${path}.host.tls_secret_arn: only used with archive "pgbackrest", got archive ${showValue(raw.archive ?? 'none')}`);
    }
    return compliant();
  },
};
