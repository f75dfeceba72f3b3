import { ConfigurationError } from '../errors';

/** Reads a required environment variable holding JSON; a clear error names the variable. */
export function requireJsonEnv<T>(name: string): T {
  const raw = process.env[name];
  if (raw === undefined || raw === '') throw new ConfigurationError('handler environment', [`${name}: not set`]);
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw new ConfigurationError('handler environment', [`${name}: not valid JSON: ${(err as Error).message}`]);
  }
}
