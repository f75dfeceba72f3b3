/**
 * The DR vault that receives the copies: required for cross-account copies, and in dr_region and
 * the DR account (dr_account, else account) when given.
 */
import { fromProblems, notApplicable } from './check';
import { IPlanFileCheck, PlanFileContext, arnLocation } from './file-check';

export const drVaultArn: IPlanFileCheck = {
  id: 'dr-vault-arn',
  description: 'dr_vault_arn is given for cross-account copies and lies in dr_region and the DR account.',
  evaluate({ file }: PlanFileContext) {
    if (file.dr_vault_arn === undefined) {
      if (file.dr_account === undefined) {
        return notApplicable();
      }
      return fromProblems([`dr_vault_arn: required when dr_account is set (the vault in account ${file.dr_account} that receives the copies), got nothing`]);
    }
    const problems: string[] = [];
    const where = arnLocation(file.dr_vault_arn);
    if (where && where.region !== file.dr_region) {
      problems.push(`dr_vault_arn: "${file.dr_vault_arn}" is in Region "${where.region}", not dr_region "${file.dr_region}"`);
    }
    const expectedAccount = file.dr_account ?? file.account;
    if (where && expectedAccount !== undefined && where.account !== expectedAccount) {
      problems.push(`dr_vault_arn: "${file.dr_vault_arn}" is in account ${where.account}, not ${file.dr_account ? 'dr_account' : 'account'} ${expectedAccount}`);
    }
    return fromProblems(problems);
  },
};
