/** Pass-through streams that count bytes and hash them on the way. */
import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

export class HashCounter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private digest?: string;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    cb();
  }

  get bytes(): number { return this.count; }

  /** Hex SHA-256; only valid after the stream ended. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error('hash read before the stream ended');
    return this.digest;
  }
}
