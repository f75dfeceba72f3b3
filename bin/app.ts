/**
 * The example DR app: a primary-region stack (vault, backup bucket, AWS Backup roles) and a
 * DR-region stack (DR vault, replica bucket), wired with cross-region references, checked by four
 * compliance packs. Synthesizes offline without credentials:
 *   npm run synth                       (primary us-east-1, DR us-west-2, env-agnostic account)
 *   npx cdk synth -c account=123456789012 -c primaryRegion=eu-west-1 -c drRegion=eu-central-1
 */
import { App } from 'aws-cdk-lib';
import { applyCompliancePacks, DrRegionStack, PrimaryRegionStack } from '../lib/app';
import { ConfigurationError } from '../lib/errors';

function main(): void {
  const app = new App();
  const context = (key: string): string | undefined => {
    const value = app.node.tryGetContext(key);
    return value === undefined || value === '' ? undefined : String(value);
  };
  const account = context('account') ?? process.env.CDK_DEFAULT_ACCOUNT;
  const primaryRegion = context('primaryRegion') ?? 'us-east-1';
  const drRegion = context('drRegion') ?? 'us-west-2';

  const dr = new DrRegionStack(app, 'CdkDatabaseDr-Dr', { account, region: drRegion });
  new PrimaryRegionStack(app, 'CdkDatabaseDr-Primary', { account, region: primaryRegion, dr });
  applyCompliancePacks(app);
  app.synth();
}

try {
  main();
} catch (err) {
  if (err instanceof ConfigurationError) {
    // A configuration mistake: the message lists every problem; a stack trace would only hide it.
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
