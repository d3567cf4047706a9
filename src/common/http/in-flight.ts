import type { NextFunction, Request, Response } from 'express';

/**
 * Counts requests still being answered (streams included, as their response is open), so
 * a graceful shutdown can wait for them.
 */
export class InFlightRequests {
  private count = 0;
  private idleWaiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    this.count++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.count--;
      if (this.count === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };

  /** Resolves true once nothing is in flight, or false when the deadline passes first. */
  drain(deadlineMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
