/**
 * Handler configuration too large for Lambda's 4 KB environment: the environment variable `NAME`
 * holds the small part and `NAME_OBJECT` names the S3 object (`s3://bucket/key`) holding the rest
 * (the per-database list). Shared by the constructs that write it and the handlers that read it.
 */

/** The environment variable naming the configuration object of `name`. */
export function configObjectEnv(name: string): string {
  return `${name}_OBJECT`;
}
