/**
 * The buffers that hold file parts on their way to the RPC node, shared by every upload in the
 * process. Their number bounds the part bytes in memory whatever the number of uploads running
 * at once; buffers are reused, so a long upload allocates nothing per part.
 */
export class PartBuffers {
  private readonly free: Buffer[] = [];
  private readonly waiting: ((buffer: Buffer) => void)[] = [];
  private created = 0;

  /**
   * @param count buffers at most
   * @param size bytes of each; a request for more bytes gets a buffer of its own, outside the pool
   */
  constructor(
    readonly count: number,
    readonly size: number,
  ) {
    if (!Number.isSafeInteger(count) || count < 1) throw new Error(`buffer count ${count} < 1`);
  }

  /** A buffer of `length` bytes, once one is free; hand it back with {@link release}. */
  async acquire(length: number): Promise<Buffer> {
    if (length > this.size) return Buffer.allocUnsafe(length);
    const buffer = await this.take();
    return buffer.subarray(0, length);
  }

  /** Returns a buffer from {@link acquire} (or a view of it) to the pool. */
  release(buffer: Buffer): void {
    if (buffer.buffer.byteLength !== this.size || buffer.byteOffset !== 0) return;
    const whole = Buffer.from(buffer.buffer, 0, this.size);
    const next = this.waiting.shift();
    if (next) next(whole);
    else this.free.push(whole);
  }

  private take(): Promise<Buffer> {
    const ready = this.free.pop();
    if (ready) return Promise.resolve(ready);
    if (this.created < this.count) {
      this.created += 1;
      // Not from Node's shared slab: the pool owns the whole ArrayBuffer.
      return Promise.resolve(Buffer.from(new ArrayBuffer(this.size)));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
