#!/usr/bin/env node
/**
 * The DR app: loads a plan file, prints its feasibility table (objective vs achieved per
 * database), and synthesizes the primary-region and DR-region stacks, checked by four compliance
 * packs. Synthesizes offline without credentials:
 *   npm run synth                                   (examples/backup-plan.json)
 *   npx cdk synth -c plan=path/to/plan.json
 *   npx cdk synth -c plan=path/to/plan.json -c organizationPolicy=DIR
 *     (also writes the plan as AWS Organizations backup policies into DIR: docs/organizations.md)
 * A bad plan prints every problem (JSON path and value) without a stack trace and exits 1.
 */
import { App } from 'aws-cdk-lib';
import { applyCompliancePacks, buildDrApp } from '../lib/app';
import { ConfigurationError } from '../lib/errors';
import { formatFeasibilityTable, loadPlanFile } from '../lib/plan';
import { OrganizationBackupPolicy } from '../lib/protection';

const DEFAULT_PLAN = 'examples/backup-plan.json';

function main(): void {
  const app = new App();
  const planPath = String(app.node.tryGetContext('plan') ?? DEFAULT_PLAN);
  const plan = loadPlanFile(planPath);
  const built = buildDrApp(app, plan);
  // stderr: the CDK CLI keeps stdout for itself; the table is for the operator.
  process.stderr.write(formatFeasibilityTable(built.assessment) + '\n');
  const policyDir = app.node.tryGetContext('organizationPolicy');
  if (policyDir !== undefined) {
    const policies = OrganizationBackupPolicy.fromPlan(plan);
    process.stderr.write(OrganizationBackupPolicy.describe(policies, OrganizationBackupPolicy.writeFiles(policies, String(policyDir))) + '\n');
  }
  applyCompliancePacks(app);
  app.synth();
}

try {
  main();
} catch (err) {
  // A configuration mistake (the plan, or a construct's synth-time validation, which aws-cdk-lib
  // reports as ValidationFailedWithErrors): the message lists every problem; a stack trace would
  // only hide it.
  if (err instanceof ConfigurationError || (err instanceof Error && err.name === 'ValidationFailedWithErrors')) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
