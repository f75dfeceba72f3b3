import { Duration } from 'aws-cdk-lib';

/**
 * The Object Lock retention mode of a backup bucket.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-retention-modes
 */
export class ObjectLockMode {
  /**
   * Users with s3:BypassGovernanceRetention can shorten or remove the retention (break-glass);
   * everyone else cannot delete a locked version.
   */
  public static readonly GOVERNANCE = new ObjectLockMode('GOVERNANCE');
  /** No one, not even the root user, can delete a locked version or shorten its retention. */
  public static readonly COMPLIANCE = new ObjectLockMode('COMPLIANCE');

  private constructor(
    /** The mode as S3 names it. */
    public readonly value: string,
  ) {}
}

/** Object Lock settings of a backup bucket. */
export interface ObjectLockOptions {
  /** Retention mode applied to every new object version. */
  readonly mode: ObjectLockMode;
  /** Default retention of every new object version, in whole days (1 to 36500). */
  readonly defaultRetention: Duration;
}
