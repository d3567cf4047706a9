import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers liveness and readiness', async () => {
    await t.http.get('/api/healthz').expect(200, { status: 'ok' });
    await t.http.get('/api/readyz').expect(200, { status: 'ok' });
  });

  it('rejects malformed JSON with a 400 that names the problem', async () => {
    const res = await t.http
      .post('/api/healthz')
      .set('Content-Type', 'application/json')
      .send('{"broken":');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      status_code: 400,
      error: 'Bad Request',
      message: expect.stringContaining('Malformed JSON'),
      request_id: expect.any(String),
    });
  });

  it('rejects a 2 MiB body with 413', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) });
    const res = await t.http
      .post('/api/healthz')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status_code: 413, error: 'Payload Too Large' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await t.http.get('/api/no-such-route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ status_code: 404, error: 'Not Found' });
  });

  it('echoes a sane X-Request-Id and replaces a hostile one', async () => {
    const echoed = await t.http.get('/api/healthz').set('X-Request-Id', 'trace-123');
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const replaced = await t.http.get('/api/healthz').set('X-Request-Id', '<script>x</script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await t.http.get('/api/nowhere').set('X-Request-Id', 'trace-404');
    expect(missing.body.request_id).toBe('trace-404');
  });

  it('sends security headers and honours the CORS allow-list', async () => {
    const allowed = await t.http.get('/api/healthz').set('Origin', 'http://frontend.test');
    expect(allowed.headers['access-control-allow-origin']).toBe('http://frontend.test');
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    const denied = await t.http.get('/api/healthz').set('Origin', 'http://evil.test');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('exposes Prometheus metrics with the requests just made', async () => {
    await t.http.get('/api/healthz');
    const res = await t.http.get('/api/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /http_requests_total\{method="GET",route="\/api\/healthz",status="200"\} \d+/,
    );
    expect(res.text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\}/);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toContain('db_pool_connections ');
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('serves a valid OpenAPI 3 document and the docs UI', async () => {
    const res = await t.http.get('/api/docs-json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/healthz', '/api/readyz', '/api/metrics']),
    );
    const ui = await t.http.get('/api/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('logs nothing at error level for bad requests', () => {
    expect(t.errorLogs()).toEqual([]);
  });
});
