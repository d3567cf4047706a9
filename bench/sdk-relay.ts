// The second floor bench:chat compares a reply's cost with (issue #25): the least a server
// must do that answers like the API does. A `node:http` server reads the client's JSON,
// streams a completion from the fake upstream through the `openai` SDK (as the app's provider
// layer does), and writes each token as a server-sent event in the API's shape (`token`
// events, then `done`), one write at most every 50 ms as the API's SSE writer does. No
// framework, no auth, no database, no prompt, no moderation: the distance from the bare pipe
// proxy to this is what parsing the model's stream and re-framing it costs; from this to the
// API, everything the app adds. Its own process (forked by bench/chat.ts with the upstream's
// base URL), so its CPU can be read from /proc; sends its base URL over IPC and exits when the
// parent goes away.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';

const COALESCE_MS = 50;
const client = new OpenAI({ apiKey: 'bench', baseURL: process.argv[2], maxRetries: 0 });

async function relay(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += chunk;
  const { content } = JSON.parse(body) as { content: string };
  const stream = await client.chat.completions.create({
    model: 'gpt-4.1-mini',
    messages: [{ role: 'user', content }],
    stream: true,
    stream_options: { include_usage: true },
  });
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  let pending = '';
  let lastWrite = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    lastWrite = performance.now();
    res.write(pending);
    pending = '';
  };
  for await (const chunk of stream) {
    const token = chunk.choices[0]?.delta?.content;
    if (!token) continue;
    pending += `data: ${JSON.stringify({ type: 'token', content: token })}\n\n`;
    if (timer) continue;
    const wait = lastWrite + COALESCE_MS - performance.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  }
  clearTimeout(timer);
  res.end(`${pending}data: ${JSON.stringify({ type: 'done' })}\n\n`);
}

const server = http.createServer((req, res) => {
  relay(req, res).catch(() => res.destroy());
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.(`http://127.0.0.1:${port}`);
});
process.once('disconnect', () => process.exit(0));
