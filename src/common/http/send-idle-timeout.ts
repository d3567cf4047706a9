import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Socket } from 'node:net';

interface Watch {
  /** bytesSent at the last sign of progress. */
  sent: number;
  /** When the client last took something, or nothing was waiting for it. */
  since: number;
}

type SocketInternals = Socket & {
  _bytesDispatched?: number;
  _handle?: { writeQueueSize?: number } | null;
};

/**
 * Bytes the kernel has taken from the socket so far. Node keeps no public count of it:
 * `bytesWritten` includes what still waits in memory, and one large write (a whole export)
 * stays in `writableLength` until its last byte is gone. What Node handed to libuv, less what
 * libuv still holds, moves as the client reads, even inside one write.
 */
function bytesSent(socket: Socket): number {
  const internals = socket as SocketInternals;
  return (internals._bytesDispatched ?? 0) - (internals._handle?.writeQueueSize ?? 0);
}

/**
 * Cuts connections whose client takes none of the bytes waiting for it for `idleMs`: a client
 * that stops reading would otherwise keep a whole response (an export, a long reply) in this
 * process's memory for as long as it likes. The same idea as the SSE helper's unread-bytes
 * cut (sse.ts), for every response, measured in time. A client that reads slowly but reads
 * is never cut, and neither is a response that is slow to produce (nothing waits to be sent).
 */
export class SendIdleTimeout {
  private readonly logger = new Logger(SendIdleTimeout.name);
  private readonly watched = new Map<Socket, Watch>();
  private sweeper?: NodeJS.Timeout;
  /** Set when this Node keeps no count to read (see bytesSent): nothing is cut then. */
  private unsupported = false;

  constructor(private readonly idleMs: number) {}

  readonly middleware = (req: Request, _res: Response, next: NextFunction): void => {
    if (this.idleMs > 0) this.watch(req.socket);
    next();
  };

  private watch(socket: Socket): void {
    if (this.unsupported || this.watched.has(socket) || socket.destroyed) return;
    if (typeof (socket as SocketInternals)._bytesDispatched !== 'number') {
      // Without it every slow reader would look idle and be cut: better to cut none.
      this.unsupported = true;
      this.logger.warn('This Node.js keeps no sent-bytes count: HTTP_SEND_IDLE_TIMEOUT_MS is off');
      return;
    }
    this.watched.set(socket, { sent: bytesSent(socket), since: performance.now() });
    socket.once('close', () => {
      this.watched.delete(socket);
      if (this.watched.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    });
    if (!this.sweeper) {
      // A quarter of the timeout, so a cut comes at most 25% late; at most once a second.
      const every = Math.max(10, Math.min(1000, Math.floor(this.idleMs / 4)));
      this.sweeper = setInterval(() => this.sweep(), every);
      this.sweeper.unref();
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const [socket, watch] of this.watched) {
      const sent = bytesSent(socket);
      if (socket.writableLength === 0 || sent !== watch.sent) {
        watch.sent = sent;
        watch.since = now;
      } else if (now - watch.since >= this.idleMs) {
        this.logger.debug(
          `Cut a connection whose client read nothing for ${this.idleMs} ms ` +
            `(${socket.writableLength} bytes waiting)`,
        );
        socket.destroy();
      }
    }
  }
}
