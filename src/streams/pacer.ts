// How polling workers wait: a sleep that a commit (or stop) cuts short, and a way for tests and
// benchmarks to wait until the worker next finds nothing to do.
export class Pacer {
  private wakeUp: (() => void) | null = null;
  private idleWaiters: (() => void)[] = [];

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** Ends the current sleep, if any. */
  wake(): void {
    this.wakeUp?.();
  }

  /** The worker found nothing to do (or stopped): release whoever waits for that. */
  idle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves at the worker's next idle moment. */
  whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }
}
