/**
 * Runs async tasks one at a time, in submission order. The DuckDB adapter owns
 * a single connection, and a transaction on it must not interleave with
 * another caller's statements, so every operation goes through one queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The next task waits for this one to settle, never for it to succeed.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
