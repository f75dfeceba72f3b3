/**
 * A fleet: the example plan's three kinds of database repeated (RDS PostgreSQL with restore
 * verification, Aurora MySQL with a dump, self-managed PostgreSQL with pgBackRest, a dump and a
 * drill). The DR app splits them over database stacks under CloudFormation's limits, adding a
 * database moves no other database's resources, and the keys do not grow with the databases.
 * Larger sizes (100, 300) are measured by bench/synth-scale, not here.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigurationError } from '../../lib/errors';
import { DrApp, buildDrApp } from '../../lib/app';
import { parsePlan } from '../../lib/plan';
import { CLOUDFORMATION_LIMITS, countTemplateElements, guardStackLimits, templateSizeBytes } from '../../lib/stack-limits';
import { thrownBy } from '../support/thrown';

const EXAMPLE = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'backup-plan.json'), 'utf8'));

/** `n` databases: the example's three in turn, renamed orders, billing, ledger, orders1, billing1, ... */
export function fleetPlan(n: number): unknown {
  const databases = Array.from({ length: n }, (_, i) => {
    const template = EXAMPLE.databases[i % 3];
    const round = Math.floor(i / 3);
    return { ...template, name: round === 0 ? template.name : `${template.name}${round}` };
  });
  return { ...EXAMPLE, databases };
}

function build(n: number, options: { databasesPerStack?: number; resourcesPerStack?: number } = {}): DrApp {
  return buildDrApp(new App(), parsePlan(fleetPlan(n), `fleet-${n}.json`), options);
}

/** Every stack of the app (top-level and nested) with its template. */
function templates(built: DrApp): Array<{ stack: Stack; template: Record<string, any> }> {
  return [built.dr, built.primary, ...built.databaseStacks].map((stack) => ({ stack, template: Template.fromStack(stack).toJSON() }));
}

describe('a fleet of 25 databases, and the same plan with a 26th', () => {
  const n = 25;
  // A small resource budget, so that 25 databases of the example's mix span several stacks.
  const small = build(6, { resourcesPerStack: 150 });
  const fleet = build(n, { resourcesPerStack: 150 });
  const grown = build(n + 1, { resourcesPerStack: 150 });
  const fleetTemplates = templates(fleet);

  test('25 databases fill database stacks in plan order by their estimated resources; each template stays under 500 resources and well under 1 MB', () => {
    // orders 4, billing 10, ledger 23 (estimateDatabaseResources): 12 (148) to a budget of 150, then 12, the 25th in a third.
    expect(fleet.databaseStacks.map((s) => s.databaseNames.length)).toEqual([12, 12, 1]);
    expect(fleet.databaseStacks.flatMap((s) => s.databaseNames)).toEqual(fleet.plan.databases.map((d) => d.name));
    for (const { stack, template } of fleetTemplates) {
      const resources = Object.keys(template.Resources).length;
      const bytes = JSON.stringify(template).length;
      process.stdout.write(`${stack.node.path}: ${resources} resources, ${Math.round(bytes / 1024)} KB\n`);
      expect(resources).toBe(countTemplateElements(stack).resources);
      expect(resources).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.resources);
      expect(bytes).toBeLessThan(600 * 1024);
    }
  });

  test('the 26th database joins the last database stack: every resource of the first 25 keeps its logical id and type', () => {
    expect(grown.databaseStacks.map((s) => s.databaseNames.length)).toEqual([12, 12, 2]);
    const grownTemplates = new Map(templates(grown).map(({ stack, template }) => [stack.node.path, template]));
    let compared = 0;
    for (const { stack, template } of fleetTemplates) {
      const after = grownTemplates.get(stack.node.path)!;
      expect(after).toBeDefined();
      for (const [id, resource] of Object.entries<any>(template.Resources)) {
        expect({ id, type: after.Resources[id]?.Type }).toEqual({ id, type: resource.Type });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(25 * 10);
    // The new database's resources are all in the last database stack (and its alarms' shared series in the primary stack).
    const last = grown.databaseStacks[2];
    expect(Object.keys(Template.fromStack(last).toJSON().Resources).filter((id) => id.startsWith('billing8')).length).toBeGreaterThan(5);
  });

  test('KMS keys do not grow with the databases: 6 and 25 databases hold the same keys', () => {
    const keys = (built: DrApp) => templates(built).flatMap(({ stack, template }) => Object.entries<any>(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::KMS::Key').map(([id]) => `${stack.node.path}/${id}`)).sort();
    expect(keys(fleet)).toEqual(keys(small));
    expect(keys(fleet).filter((k) => k.includes('/Databases'))).toEqual([]);
  });

  test('one scheduler role per database stack starts its runner tasks, and may pass exactly the roles those tasks run with', () => {
    // Every stack with a runner (the third holds one RDS database only: no runner, no scheduler role).
    const withRunners = fleet.databaseStacks.filter((s) => s.databaseNames.some((n) => !n.startsWith('orders')));
    expect(withRunners.length).toBe(2);
    for (const stack of withRunners) {
      const t = Template.fromStack(stack).toJSON();
      const resources = Object.entries<any>(t.Resources);
      const trusted = (r: any, service: string) => r.Type === 'AWS::IAM::Role'
        && JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes(service);
      const schedulerRoles = resources.filter(([, r]) => trusted(r, 'scheduler.amazonaws.com'));
      expect(schedulerRoles.map(([id]) => id)).toEqual([expect.stringMatching(/^RunnersSchedulerRole/)]);
      const [schedulerRoleId] = schedulerRoles[0];
      const policy = resources.find(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: schedulerRoleId }]))![1];
      const statements: any[] = policy.Properties.PolicyDocument.Statement;
      const run = statements.find((st) => st.Action === 'ecs:RunTask');
      expect(run.Condition.ArnEquals['ecs:cluster']).toBeDefined();
      const pass = statements.find((st) => st.Action === 'iam:PassRole');
      expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      const path = `/CdkDatabaseDr-Primary/${stack.node.id}/`;
      expect(JSON.stringify(pass.Resource)).toContain(`:role${path}*`);
      const passedExecutionRole = (pass.Resource as any[]).find((r) => r['Fn::GetAtt'])['Fn::GetAtt'][0];

      // Every scheduled task runs with a role under the path (or CloudFormation deploys a schedule that can never start).
      const schedules = resources.filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');
      expect(schedules.length).toBeGreaterThan(10);
      for (const [, schedule] of schedules) {
        expect(schedule.Properties.Target.RoleArn).toEqual({ 'Fn::GetAtt': [schedulerRoleId, 'Arn'] });
        const taskDefinition = t.Resources[schedule.Properties.Target.EcsParameters.TaskDefinitionArn.Ref];
        const taskRole = t.Resources[taskDefinition.Properties.TaskRoleArn['Fn::GetAtt'][0]];
        expect(taskRole.Properties.Path).toBe(path);
        expect(taskDefinition.Properties.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [passedExecutionRole, 'Arn'] });
      }
      // ... and every role under the path is an ECS task role: nothing else can be passed.
      for (const [, r] of resources.filter(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties.Path === path)) {
        expect(r.Properties.AssumeRolePolicyDocument.Statement.map((st: any) => st.Principal.Service)).toEqual(['ecs-tasks.amazonaws.com']);
      }
    }
  });

  test('a database stack too full for CloudFormation is refused at synth, naming the stack and the count (no TooManyResourcesInStack trace)', () => {
    // 40 self-managed PostgreSQL databases with pgBackRest, dumps and drills in one database stack: over 500 resources.
    const ledger = EXAMPLE.databases[2];
    const plan = { ...EXAMPLE, databases: Array.from({ length: 40 }, (_, i) => ({ ...ledger, name: `ledger${i}` })) };
    const crowded = buildDrApp(new App(), parsePlan(plan, 'crowded.json'), { databasesPerStack: 40 });
    const error = thrownBy(() => (crowded.primary.node.root as App).synth());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).toMatch(/stack CdkDatabaseDr-Primary\/Databases1: \d{3,4} resources, over CloudFormation's limit of 500 per template/);
  });

  test('a plan of only the heaviest kind (pgBackRest, a dump, a drill) is packed into stacks each under 500 resources and 1 MB', () => {
    const ledger = EXAMPLE.databases[2];
    const plan = { ...EXAMPLE, databases: Array.from({ length: 16 }, (_, i) => ({ ...ledger, name: `ledger${i}` })) };
    const heavy = buildDrApp(new App(), parsePlan(plan, 'heavy.json'));
    // 57,200 estimated bytes each: 14 fit the 850,000 a stack's databases may add.
    expect(heavy.databaseStacks.map((s) => s.databaseNames.length)).toEqual([14, 2]);
    const assembly = (heavy.primary.node.root as App).synth();
    const template = assembly.getStackArtifact(heavy.primary.artifactId).template;
    expect(template).toBeDefined();
    for (const stack of heavy.databaseStacks) {
      const resources = countTemplateElements(stack).resources;
      const bytes = templateSizeBytes(stack);
      process.stdout.write(`${stack.node.path} (${stack.databaseNames.length} pgBackRest databases): ${resources} resources, ${bytes} bytes\n`);
      expect(resources).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.resources);
      expect(bytes).toBeLessThan(1_000_000);
    }
  });

  test('databasesPerStack and resourcesPerStack are checked, every problem at once', () => {
    const error = thrownBy(() => build(3, { databasesPerStack: 0, resourcesPerStack: 600 }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      'databasesPerStack: a whole number of at least 1, got 0',
      'resourcesPerStack: a whole number from 1 to 500 (CloudFormation\'s limit per template), got 600',
      'databasesPerStack and resourcesPerStack: give one, got 0 and 600',
    ]);
    expect(build(7, { databasesPerStack: 3 }).databaseStacks.map((s) => s.databaseNames.length)).toEqual([3, 3, 1]);
  });

});

describe('the template-size guard', () => {
  test('a stack whose template would exceed 1,000,000 bytes is refused at synth with its size, even under 500 resources', () => {
    const app = new App();
    const stack = new Stack(app, 'Big');
    // 12 documents of about 90 KB each: 12 resources, a template of about 1.1 MB.
    for (let i = 0; i < 12; i++) {
      new CfnResource(stack, `Doc${i}`, { type: 'AWS::SSM::Document', properties: { DocumentType: 'Command', Content: { text: 'x'.repeat(90_000) } } });
    }
    guardStackLimits(stack);
    expect(templateSizeBytes(stack)).toBeGreaterThan(CLOUDFORMATION_LIMITS.templateBytes);
    const error = thrownBy(() => app.synth());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).toMatch(/stack Big: its template takes 1,08\d,\d{3} bytes, over CloudFormation's limit of 1,000,000 bytes per template/);
  });

  test('the measured size is the size of the template file the CDK writes', () => {
    const app = new App();
    const stack = new Stack(app, 'Measured');
    new CfnResource(stack, 'Doc', { type: 'AWS::SSM::Document', properties: { DocumentType: 'Command', Content: { text: 'y'.repeat(5000) } } });
    guardStackLimits(stack);
    const assembly = app.synth();
    // Measured after synth, as the validation measures it: with the synthesizer's bootstrap checks in.
    expect(templateSizeBytes(stack)).toBe(statSync(join(assembly.directory, assembly.getStackByName('Measured').templateFile)).size);
  });
});
