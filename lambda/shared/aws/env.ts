/** Reads a required environment variable holding JSON; a clear error names the variable. */
export function requireJsonEnv<T>(name: string): T {
  const raw = process.env[name];
  if (raw === undefined || raw === '') throw new Error(`environment variable ${name} is not set`);
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw new Error(`environment variable ${name} is not valid JSON: ${(err as Error).message}`);
  }
}
