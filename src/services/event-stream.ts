// A push-to-pull bridge from change-feed callbacks to the AsyncIterator graphql-ws consumes.
// `return()` (client unsubscribed, socket closed) detaches from the feed at once, even while a
// `next()` is waiting; a consumer that falls too far behind is ended with an error rather than
// letting its buffer grow without bound.
export class SlowConsumerError extends Error {
  constructor(limit: number) {
    super(`Subscription ended: more than ${limit} undelivered events`);
  }
}

export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((error: Error) => void) | null = null;
  private done = false;
  private error: Error | null = null;

  constructor(
    private readonly detach: () => void,
    private readonly limit = 100_000,
  ) {}

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      this.failWaiting = null;
      resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.limit) {
      this.fail(new SlowConsumerError(this.limit));
      return;
    }
    this.buffer.push(value);
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.buffer.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    this.buffer.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private fail(error: Error): void {
    this.error = error;
    this.buffer.length = 0;
    const reject = this.failWaiting;
    this.finish();
    reject?.(error);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    const resolve = this.waiting;
    this.waiting = null;
    this.failWaiting = null;
    resolve?.({ value: undefined, done: true });
  }
}
