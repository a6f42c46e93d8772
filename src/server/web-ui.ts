/**
 * The chat web page (web/, built with the SDK in client/) on the same port
 * as /ws: GET / is the page, /web/* and /client/* its compiled files. Every
 * file is read once at start-up into memory and looked up by exact path, so
 * no request reaches the file system (and no path can escape it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/, where the build puts web/ and client/ beside src/. */
const DIST = fileURLToPath(new URL('../../', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Scripts, styles and sockets from this origin only; not framed by other sites. */
const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

interface Asset {
  body: Buffer;
  contentType: string;
}

export class WebUi {
  readonly #assets = new Map<string, Asset>();

  /** Loads the built page; throws when the build is missing, so a node never serves half a page. */
  constructor(dist = DIST) {
    for (const folder of ['web', 'client']) {
      for (const name of readdirSync(join(dist, folder))) {
        const contentType = CONTENT_TYPES[extname(name)];
        if (contentType === undefined) continue;
        this.#assets.set(`/${folder}/${name}`, { body: readFileSync(join(dist, folder, name)), contentType });
      }
    }
    const page = this.#assets.get('/web/index.html');
    if (page === undefined) throw new Error(`no web/index.html under ${dist}: run npm run build`);
    this.#assets.set('/', page);
  }

  /** Answers a GET or HEAD of one of its files; false when `path` is not one (the caller answers 404). */
  serve(request: IncomingMessage, response: ServerResponse, path: string): boolean {
    const asset = this.#assets.get(path);
    if (asset === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
    response.writeHead(200, { ...HEADERS, 'content-type': asset.contentType, 'content-length': asset.body.length });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
    return true;
  }
}
