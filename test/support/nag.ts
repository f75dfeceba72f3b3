/**
 * The four compliance packs every example app must pass, for tests: `nagFindings(stack)` lists
 * each unacknowledged finding as "Pack: RuleId — construct path". An empty list is a pass.
 */
import { IConstruct } from 'constructs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';

export function compliancePacks(scope: IConstruct) {
  return [
    new AwsSolutionsChecks(scope),
    new HIPAASecurityChecks(scope),
    new NIST80053R5Checks(scope),
    new PCIDSS321Checks(scope),
  ];
}

export function nagFindings(scope: IConstruct): string[] {
  const findings: string[] = [];
  for (const pack of compliancePacks(scope)) {
    const report = pack.validateScope(scope);
    for (const v of report.violations) {
      for (const r of v.violatingResources) {
        findings.push(`${pack.name}: ${v.ruleName} — ${r.constructPath ?? r.resourceLogicalId ?? "?"}`);
      }
    }
  }
  return findings;
}
