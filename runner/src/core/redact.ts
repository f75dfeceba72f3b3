/**
 * Secret redaction. Every secret the runner learns (database passwords, cipher passphrases,
 * resolved AWS credentials) is registered here once; the logger, the process runner's argv log,
 * error messages and manifests pass through `redact()` before anything is written.
 */
const MASK = '***';

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret value. Values shorter than 4 characters are not registered (they would mask ordinary text). */
  add(value: string | undefined): void {
    if (value && value.length >= 4) this.secrets.add(value);
  }

  /** Replaces every registered secret (and its URL-encoded form) with ***. */
  redact(text: string): string {
    let out = text;
    for (const s of this.sortedSecrets()) {
      out = out.split(s).join(MASK);
      const enc = encodeURIComponent(s);
      if (enc !== s) out = out.split(enc).join(MASK);
    }
    return out;
  }

  /** Deep-redacts strings inside a JSON-like value. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as unknown as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as unknown as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = this.redactValue(v);
      return out as T;
    }
    return value;
  }

  get size(): number {
    return this.secrets.size;
  }

  // Longest first, so a secret that contains another is masked whole.
  private sortedSecrets(): string[] {
    return [...this.secrets].sort((a, b) => b.length - a.length);
  }
}
