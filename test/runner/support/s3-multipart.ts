/** Starts the shared test S3 server with ListMultipartUploads/AbortMultipartUpload added (see the hook file). */
import { join } from 'node:path';
import { S3Server, startS3 } from '../../support/servers';

export async function startS3WithMultipart(): Promise<S3Server> {
  const before = process.env.NODE_OPTIONS;
  // startS3 spawns s3rver with this process's environment: the hook rides along.
  process.env.NODE_OPTIONS = `${before ?? ''} --require ${join(__dirname, 's3rver-multipart-hook.js')}`.trim();
  try {
    return await startS3();
  } finally {
    if (before === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = before;
  }
}
