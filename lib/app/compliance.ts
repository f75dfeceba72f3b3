import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/**
 * Adds the four compliance packs the DR app must pass (AWS Solutions, HIPAA Security,
 * NIST 800-53 rev 5, PCI DSS 3.2.1) as validation plugins: any unacknowledged finding fails synth.
 */
export function applyCompliancePacks(app: IConstruct): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new HIPAASecurityChecks(app, { verbose: true }),
    new NIST80053R5Checks(app, { verbose: true }),
    new PCIDSS321Checks(app, { verbose: true }),
  );
}
