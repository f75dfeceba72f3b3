/**
 * Restore testing selections shared by the databases of one resource type: the restore metadata
 * overrides of a selection depend only on the resource type (instance class for RDS instances,
 * network for both), so databases identified by ARN share one selection per type, in groups of
 * AWS Backup's limit of ARNs per selection. A group's construct id and selection name depend on the
 * type and the group number only: adding a database at the end adds its ARN to the last group (an
 * in-place update) or starts a new group; it never replaces an existing selection.
 */
import { aws_backup as backup } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DatabaseResourceKind } from '../protection/protected-database';

/**
 * AWS Backup's limit of specific protected resource ARNs in one restore testing selection.
 * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateRestoreTestingSelection.html
 */
export const MAX_ARNS_PER_RESTORE_TESTING_SELECTION = 30;

/** One shared selection and the ARNs it lists, in the order they were added. */
interface SelectionGroup {
  readonly selection: backup.CfnRestoreTestingSelection;
  readonly arns: string[];
}

/**
 * @internal The shared selections of one restore testing plan, keyed by the scope they are created in
 * and the resource type. `create(n)` makes the n-th selection (1-based) of a type in a scope.
 */
export class SharedRestoreTestingSelections {
  private readonly groups = new Map<Construct, Map<DatabaseResourceKind, SelectionGroup[]>>();

  /**
   * Lists `arn` in the last selection of its type in `scope`, or in a new one when that is full (or
   * there is none yet); an ARN already listed there is not listed twice. Returns the selection.
   */
  public add(
    scope: Construct, kind: DatabaseResourceKind, arn: string,
    create: (groupNumber: number) => backup.CfnRestoreTestingSelection,
  ): backup.CfnRestoreTestingSelection {
    let byKind = this.groups.get(scope);
    if (!byKind) this.groups.set(scope, byKind = new Map());
    let groups = byKind.get(kind);
    if (!groups) byKind.set(kind, groups = []);
    const listed = groups.find((g) => g.arns.includes(arn));
    if (listed) return listed.selection;
    let last = groups[groups.length - 1];
    if (!last || last.arns.length >= MAX_ARNS_PER_RESTORE_TESTING_SELECTION) {
      last = { selection: create(groups.length + 1), arns: [] };
      groups.push(last);
    }
    last.arns.push(arn);
    last.selection.protectedResourceArns = [...last.arns];
    return last.selection;
  }
}
