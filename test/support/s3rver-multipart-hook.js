// Loaded into the s3rver process by startS3 (test/support/servers.ts).
// s3rver 3.7.1 lacks ListMultipartUploads and AbortMultipartUpload, which real S3 has and which the
// fault tests need: the runner must abort its upload on SIGTERM, and the test must list the bucket's
// pending uploads to prove it. This adds both, on s3rver's own filesystem layout for uploads
// (<dir>/<bucket>/._S3rver_uploads/<uploadId>/{key,metadata,<part>}).
'use strict';
const fs = require('fs');
const path = require('path');
const S3rver = require('s3rver');

// Real S3 does not go down when a client aborts an upload while one of its parts is still being
// written; s3rver's filesystem store can throw outside any request then (the part's folder is gone)
// and take the whole process down, so a later request of the test saw ECONNREFUSED. Log and go on.
process.on('uncaughtException', (e) => {
  process.stderr.write(`s3rver: uncaught ${e && e.stack ? e.stack : e}\n`);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`s3rver: unhandled rejection ${e && e.stack ? e.stack : e}\n`);
});

const originalRun = S3rver.prototype.run;
S3rver.prototype.run = function run(...args) {
  const root = this.store.rootDirectory;
  const requestLog = process.env.S3_REQUEST_LOG;
  this.middleware.unshift(async (ctx, next) => {
    const url = new URL(ctx.url, 'https://local');
    if (requestLog) {
      // Checksum headers of each request, so tests can prove what the client sent (Object Lock needs them).
      const h = ctx.headers;
      fs.appendFileSync(requestLog, JSON.stringify({ method: ctx.method, path: url.pathname, query: [...url.searchParams.keys()],
        checksumAlgorithm: h['x-amz-checksum-algorithm'] || h['x-amz-sdk-checksum-algorithm'] || null,
        checksum: h['x-amz-checksum-crc32'] || (String(h['x-amz-trailer'] || '').includes('x-amz-checksum-crc32') ? 'trailer' : null) }) + '\n');
    }
    const parts = url.pathname.split('/').filter(Boolean);
    const bucket = parts[0];
    const uploadsDir = bucket ? path.join(root, bucket, '._S3rver_uploads') : '';
    if (ctx.method === 'DELETE' && parts.length > 1 && url.searchParams.has('uploadId')) {
      const dir = path.join(uploadsDir, url.searchParams.get('uploadId'));
      if (!fs.existsSync(dir)) {
        ctx.status = 404;
        ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
        ctx.type = 'application/xml';
        return;
      }
      fs.rmSync(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'GET' && parts.length === 1 && url.searchParams.has('uploads')) {
      const ids = fs.existsSync(uploadsDir) ? fs.readdirSync(uploadsDir) : [];
      const uploads = ids.map((id) => {
        const key = fs.readFileSync(path.join(uploadsDir, id, 'key'), 'utf8');
        return `<Upload><Key>${key.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Key><UploadId>${id}</UploadId></Upload>`;
      });
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${bucket}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
      return;
    }
    return next();
  });
  return originalRun.apply(this, args);
};
