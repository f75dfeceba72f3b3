/**
 * The four compliance packs every example app must pass, for tests: `nagFindings(stack)` lists
 * each unacknowledged finding as "Pack: RuleId — construct path". An empty list is a pass.
 */
import { Validations } from 'aws-cdk-lib';
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

/** Every cdk-nag/CDK acknowledgement recorded under `scope`: rule id, reason and construct path. */
export function acknowledgements(scope: IConstruct): Array<{ id: string; reason: string; path: string }> {
  const found: Array<{ id: string; reason: string; path: string }> = [];
  for (const c of scope.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          found.push({ id: id.replace(/^[^:]+::/, ''), reason, path: c.node.path });
        }
      }
    }
  }
  return found;
}
