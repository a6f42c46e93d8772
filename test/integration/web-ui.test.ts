/**
 * The web page on the server's port (WEB_UI, on by default): GET / is the
 * page, its script and the SDK are served from memory with a strict content
 * security policy, and nothing else is — no other path, no other method, no
 * way out of the built folders. WebSocket upgrades stay on /ws only.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import { useHarness } from '../helpers/harness.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? -1, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end();
  });
}

describe('the web page on the server’s port', () => {
  const h = useHarness();

  it('serves the page at / with its content type and a same-origin-only content security policy', async () => {
    const page = await http(h.server.port, '/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.body, /<script type="module" src="\/web\/app\.js"><\/script>/);
    assert.match(
      String(page.headers['content-security-policy']),
      /default-src 'none'; script-src 'self';.* connect-src 'self'/,
    );
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal((await http(h.server.port, '/?from=bookmark')).status, 200, 'a query string is allowed');
  });

  it('serves the page’s script, style and the SDK modules it imports', async () => {
    const script = await http(h.server.port, '/web/app.js');
    assert.equal(script.status, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(script.body, /from '\.\.\/client\/index\.js'/);
    assert.equal((await http(h.server.port, '/web/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    const sdk = await http(h.server.port, '/client/index.js');
    assert.equal(sdk.status, 200);
    assert.match(sdk.body, /export \{ ChatClient/);
    const head = await http(h.server.port, '/client/chat-client.js', 'HEAD');
    assert.deepEqual([head.status, head.body], [200, '']);
  });

  it('answers 404 for anything else: other files, other folders, escapes, other methods', async () => {
    for (const path of [
      '/index.html',
      '/web/',
      '/web/app.js.map',
      '/client/index.d.ts',
      '/src/main.js',
      '/web/../src/main.js',
      '/web/%2e%2e/src/main.js',
      '/ws/',
    ]) {
      assert.equal((await http(h.server.port, path)).status, 404, path);
    }
    assert.equal((await http(h.server.port, '/', 'POST')).status, 404, 'POST /');
    assert.equal((await http(h.server.port, '/ws')).status, 426, 'plain GET /ws still asks for an upgrade');
  });
});
