import type { NextFunction, Request, Response } from 'express';
import type { Socket } from 'node:net';

/**
 * The requests still being answered (streams included, as their response is open), so a
 * graceful shutdown can wait for them, and closes keep-alive connections while it does.
 */
export class InFlightRequests {
  private readonly open = new Set<Response>();
  /** Responses open per connection: a pipelined request may wait behind the current one. */
  private readonly openOn = new WeakMap<Socket, number>();
  private idleWaiters: Array<() => void> = [];
  private draining = false;

  get size(): number {
    return this.open.size;
  }

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    this.open.add(res);
    if (this.draining) res.setHeader('Connection', 'close');
    const socket = req.socket;
    this.openOn.set(socket, (this.openOn.get(socket) ?? 0) + 1);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.open.delete(res);
      const left = (this.openOn.get(socket) ?? 1) - 1;
      this.openOn.set(socket, left);
      // A response whose headers went out before the drain began (a stream) could not say
      // "Connection: close": its connection is closed once it and any request pipelined
      // behind it are answered.
      if (this.draining && left === 0) socket.destroySoon();
      if (this.open.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };

  /**
   * From now on every connection closes after its current response. Closing the server
   * only closes idle ones: a proxy's pooled keep-alive connections that were busy would
   * keep bringing new requests (new replies) to an instance that is stopping.
   */
  stopKeepingAlive(): void {
    this.draining = true;
    for (const res of this.open) if (!res.headersSent) res.setHeader('Connection', 'close');
  }

  /** Resolves true once nothing is in flight, or false when the deadline passes first. */
  drain(deadlineMs: number): Promise<boolean> {
    if (this.open.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
