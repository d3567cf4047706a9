// The floor bench:chat compares a reply's cost with (issue #25): a bare `node:http` proxy that
// pipes each request to the fake upstream and its streamed answer back, with no auth, no
// database and no parsing. Run in its own process (forked by bench/chat.ts with the upstream's
// base URL as its argument) so its CPU can be read from /proc like the API's. Sends its own base
// URL over IPC and exits when the parent goes away.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

const server = http.createServer((req, res) => {
  const forward = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      // The upstream's base URL may end in a path (/v1): requests go under it.
      path: `${upstream.pathname.replace(/\/$/, '')}${req.url}`,
      method: req.method,
      headers: { ...req.headers, host: upstream.host },
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on('error', () => res.destroy());
  req.pipe(forward);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  // The proxy's base URL: the upstream's path lives behind it.
  process.send?.(`http://127.0.0.1:${port}`);
});
process.once('disconnect', () => process.exit(0));
