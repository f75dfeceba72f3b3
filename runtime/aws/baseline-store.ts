/**
 * The baseline store: one JSON object per database in an S3 bucket, written with SSE-KMS under
 * the construct's key. S3 rather than SSM SecureString because a baseline holds the whole schema
 * model and outgrows SecureString's 4 KB (8 KB advanced) limit on any real database; a
 * versioned bucket also keeps every earlier baseline for comparison.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Baseline } from '../integrity';
import { baselineKey, BaselineStoreConfig } from '../contracts/verification';

export class BaselineMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineMissingError';
  }
}

export async function readBaseline(s3: S3Client, store: BaselineStoreConfig, database: string): Promise<Baseline> {
  const key = baselineKey(store.prefix, database);
  const where = `s3://${store.bucket}/${key}`;
  let body: string;
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    body = res.Body ? await res.Body.transformToString() : '';
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === 'NoSuchKey' || e.name === 'NotFound') {
      throw new BaselineMissingError(`no baseline for database '${database}' at ${where}: the baseline capture has not run successfully yet`);
    }
    throw new BaselineMissingError(`baseline for database '${database}' at ${where} could not be read: ${e.name ?? 'Error'}: ${e.message ?? ''}`);
  }
  let baseline: Baseline;
  try {
    baseline = JSON.parse(body) as Baseline;
  } catch {
    throw new BaselineMissingError(`baseline for database '${database}' at ${where} is not valid JSON`);
  }
  if (baseline?.formatVersion !== 1 || typeof baseline.fingerprint !== 'string' || !baseline.schema) {
    throw new BaselineMissingError(`baseline for database '${database}' at ${where} has an unknown format (formatVersion ${String(baseline?.formatVersion)})`);
  }
  return baseline;
}

export async function writeBaseline(s3: S3Client, store: BaselineStoreConfig, baseline: Baseline): Promise<string> {
  const key = baselineKey(store.prefix, baseline.database);
  await s3.send(new PutObjectCommand({
    Bucket: store.bucket,
    Key: key,
    Body: JSON.stringify(baseline),
    ContentType: 'application/json',
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: store.kmsKeyArn,
  }));
  return `s3://${store.bucket}/${key}`;
}
