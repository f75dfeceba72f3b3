/**
 * Handler configuration that does not fit Lambda's 4 KB environment: the environment variable
 * holds the small part, and `<NAME>_OBJECT` names an S3 object (`s3://bucket/key`, an asset in the
 * deployment's encrypted, versioned asset bucket, its key the content hash) holding the rest,
 * e.g. the per-database list. A changed configuration is a new key, so the function redeploys.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../errors';
import { configObjectEnv } from '../contracts/config-object';
import { requireJsonEnv } from './env';

const cache = new Map<string, Record<string, unknown>>();

/**
 * The JSON configuration of `name`: its environment variable, merged with the fields of the S3
 * object named by `<NAME>_OBJECT` when set (read once per container).
 */
export async function loadJsonConfig<T>(name: string, s3: S3Client): Promise<T> {
  const inline = requireJsonEnv<Record<string, unknown>>(name);
  const uri = process.env[configObjectEnv(name)];
  if (uri === undefined || uri === '') return inline as T;
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new ConfigurationError('handler environment', [`${configObjectEnv(name)}: an s3://bucket/key URI, got "${uri}"`]);
  let fromObject = cache.get(uri);
  if (!fromObject) {
    const out = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
    const text = out.Body ? await out.Body.transformToString() : '';
    try {
      fromObject = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigurationError('handler configuration', [`${configObjectEnv(name)}: ${uri} is not valid JSON: ${(err as Error).message}`]);
    }
    if (!fromObject || typeof fromObject !== 'object' || Array.isArray(fromObject)) {
      throw new ConfigurationError('handler configuration', [`${configObjectEnv(name)}: ${uri} must hold a JSON object, got ${text.slice(0, 40)}`]);
    }
    cache.set(uri, fromObject);
  }
  return { ...inline, ...fromObject } as T;
}
