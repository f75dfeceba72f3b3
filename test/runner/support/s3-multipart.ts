/**
 * The runner tests' S3 server: test/support/servers.ts startS3, which already has what the fault
 * tests need (ListMultipartUploads/AbortMultipartUpload, kill(), a request log).
 */
import { S3Server, startS3 } from '../../support/servers';

export type TestS3Server = S3Server;

export function startS3WithMultipart(): Promise<TestS3Server> {
  return startS3();
}
