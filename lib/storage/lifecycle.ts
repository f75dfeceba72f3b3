import { Duration, aws_s3 as s3 } from 'aws-cdk-lib';
import { wholeDays } from './durations';

/**
 * One step of a backup bucket's lifecycle: objects move to `storageClass` once they are
 * `transitionAfter` old.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 */
export interface LifecycleTier {
  /** The storage class objects move to. */
  readonly storageClass: s3.StorageClass;
  /** Age of an object (since creation) at which it moves, in whole days. */
  readonly transitionAfter: Duration;
}

/**
 * The default tiers: Standard → Standard-IA at 30 days → Glacier Flexible Retrieval at 90 days →
 * Deep Archive at 180 days. Each step respects the minimum storage duration of the class before.
 */
export function defaultLifecycleTiers(): LifecycleTier[] {
  return [
    { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
    { storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) },
    { storageClass: s3.StorageClass.DEEP_ARCHIVE, transitionAfter: Duration.days(180) },
  ];
}

interface ClassFacts {
  /** Position in S3's transition waterfall: objects only move to a higher rank. */
  readonly rank: number;
  /** Days S3 charges for at least, however early the object leaves the class. */
  readonly minStorageDays: number;
  /** Earliest age (days since creation) at which S3 accepts a transition into the class. */
  readonly minTransitionDays: number;
  readonly label: string;
}

// The waterfall and minimums of the S3 user guide (lifecycle transition considerations).
const CLASS_FACTS: Record<string, ClassFacts> = {
  [s3.StorageClass.INTELLIGENT_TIERING.value]: { rank: 1, minStorageDays: 0, minTransitionDays: 0, label: 'Intelligent-Tiering' },
  [s3.StorageClass.INFREQUENT_ACCESS.value]: { rank: 2, minStorageDays: 30, minTransitionDays: 30, label: 'Standard-IA' },
  [s3.StorageClass.ONE_ZONE_INFREQUENT_ACCESS.value]: { rank: 3, minStorageDays: 30, minTransitionDays: 30, label: 'One Zone-IA' },
  [s3.StorageClass.GLACIER_INSTANT_RETRIEVAL.value]: { rank: 4, minStorageDays: 90, minTransitionDays: 0, label: 'Glacier Instant Retrieval' },
  [s3.StorageClass.GLACIER.value]: { rank: 5, minStorageDays: 90, minTransitionDays: 0, label: 'Glacier Flexible Retrieval' },
  [s3.StorageClass.DEEP_ARCHIVE.value]: { rank: 6, minStorageDays: 180, minTransitionDays: 0, label: 'Deep Archive' },
};

const IA_CLASSES = new Set([s3.StorageClass.INFREQUENT_ACCESS.value, s3.StorageClass.ONE_ZONE_INFREQUENT_ACCESS.value]);
const ARCHIVE_CLASSES = new Set([s3.StorageClass.GLACIER.value, s3.StorageClass.DEEP_ARCHIVE.value]);

/** What the lifecycle validation needs to know besides the tiers. */
export interface LifecycleCheckInput {
  readonly tiers: LifecycleTier[];
  /** Expiration of current versions (the retention). */
  readonly expiration?: Duration;
  readonly noncurrentVersionExpiration?: Duration;
  /** Object Lock default retention, when known. */
  readonly lockRetention?: Duration;
}

/**
 * Checks a lifecycle against the S3 rules and returns every problem found, each naming the field
 * and the bad value. Tokens are skipped (S3 checks them at deploy time).
 */
export function lifecycleProblems(input: LifecycleCheckInput): string[] {
  const problems: string[] = [];
  let previous: { index: number; days: number; facts: ClassFacts; cls: string } | undefined;
  let lastIa: { index: number; days: number } | undefined;

  input.tiers.forEach((tier, i) => {
    const field = `lifecycleTiers[${i}]`;
    const cls = tier.storageClass.value;
    const facts = CLASS_FACTS[cls];
    if (!facts) {
      problems.push(`${field}.storageClass: ${cls} is not a storage class S3 lifecycle rules can transition to (use Standard-IA, One Zone-IA, Intelligent-Tiering, Glacier Instant Retrieval, Glacier or Deep Archive)`);
      return;
    }
    const days = wholeDays(tier.transitionAfter, `${field}.transitionAfter`, problems);
    if (days === undefined) {
      return;
    }
    if (days < facts.minTransitionDays) {
      problems.push(`${field}.transitionAfter: a transition to ${facts.label} must be at least ${facts.minTransitionDays} days after creation, got ${days} days`);
    }
    if (previous) {
      const prev = `lifecycleTiers[${previous.index}]`;
      if (previous.cls === s3.StorageClass.DEEP_ARCHIVE.value) {
        problems.push(`${field}.storageClass: Deep Archive (${prev}) is one-way, nothing can follow it, got ${facts.label}`);
      } else if (facts.rank <= previous.facts.rank) {
        problems.push(`${field}.storageClass: S3 only transitions down the waterfall (Standard → Intelligent-Tiering → Standard-IA → One Zone-IA → Glacier IR → Glacier → Deep Archive); ${facts.label} cannot follow ${previous.facts.label} (${prev})`);
      }
      if (days <= previous.days) {
        problems.push(`${field}.transitionAfter: must be later than ${prev}.transitionAfter (${previous.days} days), got ${days} days`);
      } else if (ARCHIVE_CLASSES.has(cls) && lastIa && days - lastIa.days < 30) {
        problems.push(`${field}.transitionAfter: a ${facts.label} transition must be at least 30 days after the IA transition of lifecycleTiers[${lastIa.index}] (${lastIa.days} days), got ${days} days (${days - lastIa.days} days later)`);
      } else if (days - previous.days < previous.facts.minStorageDays) {
        problems.push(`${field}.transitionAfter: objects would leave ${previous.facts.label} after ${days - previous.days} days, before its ${previous.facts.minStorageDays}-day minimum storage charge (${prev} at ${previous.days} days), got ${days} days`);
      }
    }
    if (IA_CLASSES.has(cls)) {
      lastIa = { index: i, days };
    }
    previous = { index: i, days, facts, cls };
  });

  let expirationDays: number | undefined;
  if (input.expiration) {
    expirationDays = wholeDays(input.expiration, 'expiration', problems);
    if (expirationDays !== undefined) {
      if (expirationDays < 1) {
        problems.push(`expiration must be at least 1 day, got ${expirationDays} days`);
      } else if (previous) {
        const prev = `lifecycleTiers[${previous.index}]`;
        if (expirationDays <= previous.days) {
          problems.push(`expiration (${expirationDays} days) must be later than the last transition, ${prev}.transitionAfter (${previous.days} days)`);
        } else if (expirationDays - previous.days < previous.facts.minStorageDays) {
          problems.push(`expiration (${expirationDays} days) leaves objects only ${expirationDays - previous.days} days in ${previous.facts.label} (${prev} at ${previous.days} days), under its ${previous.facts.minStorageDays}-day minimum storage charge: expire at ${previous.days + previous.facts.minStorageDays} days or later`);
        }
      }
    }
  }
  if (input.noncurrentVersionExpiration) {
    const nc = wholeDays(input.noncurrentVersionExpiration, 'noncurrentVersionExpiration', problems);
    if (nc !== undefined && nc < 1) {
      problems.push(`noncurrentVersionExpiration must be at least 1 day, got ${nc} days`);
    }
  }
  if (input.lockRetention && expirationDays !== undefined && !input.lockRetention.isUnresolved()) {
    const lockDays = input.lockRetention.toDays({ integral: false });
    if (expirationDays < lockDays) {
      problems.push(`expiration (${expirationDays} days) is shorter than objectLock.defaultRetention (${lockDays} days): the retention must cover the lock, or objects disappear from listings while still locked`);
    }
  }
  return problems;
}
