/**
 * What RestoreVerification needs to know about each protected database: which resource AWS
 * Backup restores, how to log in to production (read-only, for baselines) and to the restored
 * copy (the source's master credentials, which the copy keeps), and the user checks to run.
 * Self-managed databases (drilled by RunnerDrill) get their baselines from BaselineCapture.
 */
import { Duration, aws_ec2 as ec2, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { ProtectedDatabase } from '../protection/protected-database';

/** SQL dialect of the checks (and of the baseline capture). */
export enum VerifiedEngine {
  /** RDS for PostgreSQL, Aurora PostgreSQL, self-managed PostgreSQL. */
  POSTGRESQL = 'postgres',
  /** RDS for MySQL, RDS for MariaDB, Aurora MySQL, self-managed MySQL or MariaDB. */
  MYSQL = 'mysql',
}

/** How a user check's result is judged. */
export enum CheckExpectation {
  /** The first cell equals `value`; without `value`, what the query returned on production at baseline time. */
  EQUALS = 'equals',
  /** The first cell is a number ≥ `value`. */
  AT_LEAST = 'atLeast',
  /** The query returns at least one row. */
  NOT_EMPTY = 'notEmpty',
  /** The first cell is a timestamp no older than the restore point minus `maxAge`. */
  NEWER_THAN = 'newerThan',
}

/** A named SQL query with an expected result, run read-only with a statement timeout. */
export interface VerificationCheck {
  /** Name in reports and verdict messages. */
  readonly name: string;
  /** One read-only statement. */
  readonly sql: string;
  readonly expect: CheckExpectation;
  /**
   * Expected value (EQUALS) or minimum (AT_LEAST).
   * @default - EQUALS compares with production's result at baseline time; required for AT_LEAST
   */
  readonly value?: string;
  /**
   * Largest allowed age of the newest row before the restore point (NEWER_THAN), typically the RPO.
   * @default - required for NEWER_THAN
   */
  readonly maxAge?: Duration;
}

/** One database whose restores are verified. */
export interface VerifiedDatabase {
  /** Logical name: metric dimension `Database` and baseline object key. Letters, digits, `_` and `-`. */
  readonly name: string;
  /**
   * The RDS instance or Aurora cluster AWS Backup protects (and restore testing restores). With
   * `ProtectedDatabase.fromTags`, restore testing selects by the same tags and the validator
   * matches a restore by its source's tags: they must name one database, the one the baseline is
   * captured from.
   */
  readonly database: ProtectedDatabase;
  readonly engine: VerifiedEngine;
  /** SQL database the checks connect to. */
  readonly databaseName: string;
  /** Secret with the source's master credentials (`username`, `password`): the restored copy keeps them. */
  readonly masterSecret: secretsmanager.ISecret;
  /**
   * Secret of a read-only user on production for baseline capture (`username`, `password`, and
   * `host`/`port` unless `productionHost` is given).
   */
  readonly readOnlySecret: secretsmanager.ISecret;
  /**
   * Port the database listens on (production and restored copy).
   * @default 5432 for POSTGRESQL, 3306 for MYSQL
   */
  readonly port?: number;
  /**
   * Production endpoint for baseline capture.
   * @default - the `host` field of readOnlySecret
   */
  readonly productionHost?: string;
  /**
   * Security groups of the production database: each gets an ingress rule from the baseline function.
   * @default - none: allow the baseline function's security group yourself
   */
  readonly productionSecurityGroups?: ec2.ISecurityGroup[];
  /**
   * User checks, declared in the plan's verification section.
   * @default - none: schema fingerprint and row counts only
   */
  readonly checks?: VerificationCheck[];
  /**
   * How many of the largest tables get exact row counts.
   * @default 10
   */
  readonly largestTables?: number;
}
