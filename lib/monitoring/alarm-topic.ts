/**
 * The one alarm topic of a stack: every alarm (through the AlarmFactory) and every backup
 * vault's notifications in the stack go to it, and it always has a subscriber. Either a new
 * KMS-encrypted, SSL-only topic with an e-mail subscription, or a topic you bring (which you
 * subscribe yourself).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';

/** Properties of an AlarmTopic. */
export interface AlarmTopicProps {
  /**
   * Address subscribed to the new topic by e-mail (confirm the subscription once). Vault
   * notifications of completed jobs are filtered out for it: it receives alarms and failures.
   * @default - none: give `topic`, or subscribe the topic with `addSubscription` before synth
   */
  readonly email?: string;
  /**
   * An existing topic to use instead of a new one (e.g. `sns.Topic.fromTopicArn`). You own its
   * subscriptions; it must let cloudwatch.amazonaws.com and backup.amazonaws.com publish (and
   * use its KMS key).
   * @default - a new topic
   */
  readonly topic?: sns.ITopic;
  /**
   * Display name of the new topic.
   * @default 'Backup and DR alarms'
   */
  readonly displayName?: string;
  /**
   * Key of the new topic. Its policy must let CloudWatch and AWS Backup use it.
   * @default - a new KMS key with rotation, usable by CloudWatch alarms and AWS Backup of this account
   */
  readonly encryptionKey?: kms.IKey;
}

/** A stack's one alarm topic, with a subscriber. */
export class AlarmTopic extends Construct {
  /** The topic alarms and vault notifications publish to. */
  public readonly topic: sns.ITopic;
  /** Whether the topic was brought by the user (its subscriptions are theirs). */
  public readonly imported: boolean;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    const problems: string[] = [];
    if (props.topic && (props.email || props.encryptionKey)) {
      problems.push('topic: a topic you bring is used as it is; set email and encryptionKey only for a new topic');
    }
    if (props.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.email)) {
      problems.push(`email: must be an e-mail address, got '${props.email}'`);
    }
    if (problems.length) throw new ConfigurationError(`AlarmTopic ${this.node.path}`, problems);

    this.imported = !!props.topic;
    if (props.topic) {
      this.topic = props.topic;
      return;
    }
    const key = props.encryptionKey ?? new kms.Key(this, 'Key', {
      enableKeyRotation: true,
      description: `Encrypts the alarm topic ${this.node.path}`,
    });
    // CloudWatch alarms and AWS Backup publish to an encrypted topic only when they may use its key.
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowAlarmsAndBackupToPublishEncrypted',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('backup.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    const topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName ?? 'Backup and DR alarms',
      masterKey: key,
      enforceSSL: true,
    });
    this.topic = topic;
    if (props.email) {
      // AWS Backup notifies every completed job; the on-call address wants the ones that did not
      // succeed, and every alarm (alarm messages carry no State attribute).
      topic.addSubscription(new subscriptions.EmailSubscription(props.email, {
        filterPolicy: { State: new sns.SubscriptionFilter([{ 'anything-but': ['COMPLETED'] }, { exists: false }]) },
      }));
    }
    this.node.addValidation({ validate: () => this.subscriberProblems() });
  }

  /** Subscribes an endpoint to the topic. */
  public addSubscription(subscription: sns.ITopicSubscription): void {
    this.topic.addSubscription(subscription);
  }

  /** A new topic nobody subscribes to pages no one. */
  private subscriberProblems(): string[] {
    const stack = Stack.of(this);
    const arn = stack.resolve(this.topic.topicArn);
    const subscribed = stack.node.findAll().some((c) => c instanceof sns.CfnSubscription
      && JSON.stringify(stack.resolve(c.topicArn)) === JSON.stringify(arn));
    return subscribed ? [] : [`AlarmTopic ${this.node.path}: the topic has no subscriber, so its alarms page no one; set email, bring a subscribed topic, or call addSubscription`];
  }
}
