/**
 * Database credentials from Secrets Manager. The secret's value never leaves this module except
 * as the returned object: it is never logged, and errors name the secret, not its content.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
  readonly host?: string;
  readonly port?: number;
  readonly dbname?: string;
}

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

export async function readCredentials(client: SecretsManagerClient, secretArn: string): Promise<DatabaseCredentials> {
  let text: string | undefined;
  try {
    const res = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    text = res.SecretString;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    throw new CredentialsError(`secret ${secretArn} could not be read: ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim());
  }
  if (!text) throw new CredentialsError(`secret ${secretArn} has no SecretString`);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Say what is wrong without echoing any part of the value.
    throw new CredentialsError(`secret ${secretArn} is not a JSON object with username and password`);
  }
  if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string') {
    throw new CredentialsError(`secret ${secretArn} lacks a string 'username' or 'password' field`);
  }
  return {
    username: parsed.username,
    password: parsed.password,
    ...(typeof parsed.host === 'string' ? { host: parsed.host } : {}),
    ...(parsed.port !== undefined && Number.isFinite(Number(parsed.port)) ? { port: Number(parsed.port) } : {}),
    ...(typeof parsed.dbname === 'string' ? { dbname: parsed.dbname } : {}),
  };
}
