/**
 * The SSM Automation documents of a RecoveryRunbooks, one per (stack, kind): the first database of
 * a stack creates its kind's document and role; each next one joins them (the document's Database
 * parameter gains a value, the role's statements its resources). So a stack has a fixed number of
 * documents whatever its number of databases, and adding a database never renames another one's
 * document or changes its logical id.
 */
import { createHash } from 'node:crypto';
import { Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AutomationContent } from './automation-content';
import { RecoveryDocument } from './recovery-document';

/** A kind of document: its name's part and its construct id's. */
export interface DocumentKind {
  /** In the document's name: `<plan>-<slug>-<stack>`, e.g. `point-in-time-instance`. */
  readonly slug: string;
  /** In the construct id: `<runbooks id>-<id>`, e.g. `PointInTime-Instance`. */
  readonly id: string;
  /** For the role's description. */
  readonly purpose: string;
}

/** How a kind's document is built from its databases. */
export interface DocumentBuild<M> {
  /** The content from every member, in the order added. */
  readonly content: (members: M[], roleArn: string) => AutomationContent;
  /** What one member's steps call (statements with a Sid; members' statements of one Sid merge). */
  readonly statements: (member: M, stack: Stack) => iam.PolicyStatement[];
  /** Why each wildcard resource cannot be narrower, by the resource's ending. */
  readonly wildcardReasons: { [resourceSuffix: string]: string };
}

interface Group {
  readonly document: RecoveryDocument;
  readonly members: unknown[];
}

/** @internal */
export class DocumentGroups {
  private readonly groups = new Map<string, Group>();
  /** Document names in use, with the stack each serves. */
  private readonly names = new Map<string, string>();

  constructor(private readonly owner: Construct, private readonly planName: string) {}

  /** Adds `member` to the document of `kind` in `stack` (created with the first member); returns the document. */
  public add<M>(stack: Stack, kind: DocumentKind, member: M, build: DocumentBuild<M>): RecoveryDocument {
    const key = `${stack.node.path}\u0000${kind.slug}`;
    let group = this.groups.get(key);
    if (!group) {
      const members: M[] = [];
      const document = new RecoveryDocument(stack, `${this.owner.node.id}-${kind.id}`, {
        documentName: this.nameOf(stack, kind),
        content: (roleArn) => build.content(members, roleArn),
        purpose: `${kind.purpose} of the databases of stack ${stack.node.path}`,
        wildcardReasons: build.wildcardReasons,
      });
      group = { document, members };
      this.groups.set(key, group);
    }
    group.members.push(member);
    group.document.addStatements(build.statements(member, stack));
    return group.document;
  }

  /** `<plan>-<slug>-<stack's id>`; a second stack of the same id (another stage) gets a hash of its path. */
  private nameOf(stack: Stack, kind: DocumentKind): string {
    const label = stack.node.id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'stack';
    let name = `${this.planName}-${kind.slug}-${label}`;
    const taken = this.names.get(name);
    if (taken !== undefined && taken !== stack.node.path) {
      name = `${name}-${createHash('sha256').update(stack.node.path).digest('hex').slice(0, 8)}`;
    }
    this.names.set(name, stack.node.path);
    return name;
  }
}
