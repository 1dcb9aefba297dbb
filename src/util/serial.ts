/**
 * Runs asynchronous work one piece at a time, in call order. A piece that
 * fails rejects its own promise and does not stop the pieces after it.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything queued so far has finished, whether it succeeded or not. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
