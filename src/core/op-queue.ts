// The supervisor's operations, one at a time: each runs after every one before it. An
// operation with a join key that is still waiting is joined, not queued again (a restart asked
// for while another restart waits gives one restart). Once closed, nothing runs and each
// operation is answered with its "closed" value. No `vscode` import.

export class OperationQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly waiting = new Map<string, Promise<unknown>>();
  private closed = false;

  /** Runs `op` after the others; a waiting operation of the same `joinKey` is returned instead. */
  run<T>(op: () => Promise<T>, whenClosed: T, joinKey?: string): Promise<T> {
    if (this.closed) return Promise.resolve(whenClosed);
    const joined = joinKey !== undefined ? (this.waiting.get(joinKey) as Promise<T> | undefined) : undefined;
    if (joined) return joined;
    const begin = () => {
      if (joinKey !== undefined && this.waiting.get(joinKey) === next) this.waiting.delete(joinKey); // begun: later ones queue anew
      return op();
    };
    const next: Promise<T> = this.tail.then(begin, begin);
    this.tail = next.catch(() => undefined);
    if (joinKey !== undefined) this.waiting.set(joinKey, next);
    return next;
  }

  /** Whether an operation of `joinKey` waits to begin. */
  isWaiting(joinKey: string): boolean {
    return this.waiting.has(joinKey);
  }

  close(): void {
    this.closed = true;
  }
}
