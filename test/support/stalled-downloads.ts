import { expect } from '@jest/globals';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { TestApp } from './test-app.js';

/**
 * `count` GETs of `path` by clients that read the status line (a 200) and then nothing more:
 * with a body far larger than socket buffers, each response stays in progress until its
 * socket is destroyed (or the send idle timeout cuts it).
 */
export async function stalledDownloads(
  t: TestApp,
  path: string,
  authorization: string,
  count: number,
): Promise<Socket[]> {
  const { port } = new URL(t.url);
  return Promise.all(
    Array.from({ length: count }, async () => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\n\r\n`,
      );
      const [first] = (await once(socket, 'data')) as [Buffer];
      socket.pause();
      expect(first.toString('latin1')).toMatch(/^HTTP\/1\.1 200/);
      return socket;
    }),
  );
}
