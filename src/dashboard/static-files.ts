/**
 * The built browser client (index.html, app.js, app.css, made by the client's build into
 * dist/dashboard/client/), served from disk. Only a plain file name directly inside that folder
 * can be asked for (no "/", no leading "."), so no request path reaches outside it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { HttpError } from './http.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Where the built client is: beside the compiled module (dist/dashboard/client/); when running
 * from src/ through tsx, src/dashboard/client/ holds its sources, so the built copy in dist/ is used.
 */
export function defaultClientDirectory(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? '../../dist/dashboard/client/' : './client/', import.meta.url));
}

const NOT_BUILT = 'the dashboard client is not built: run npm run build';

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A file name of the client: no folder, no leading dot, so it can only name a file in the client's folder. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export class StaticFiles {
  constructor(
    private readonly directory: string,
    private readonly basePath: string,
  ) {}

  /** The file's content, or null when the client has no such file. Read per request: a rebuilt client is served at once. */
  private async read(name: string): Promise<Buffer | null> {
    if (!FILE_NAME.test(name)) return null;
    try {
      return await readFile(join(this.directory, name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
      throw error;
    }
  }

  /** index.html with the base path the client needs (it may be mounted anywhere). */
  private indexHtml(raw: Buffer): Buffer {
    const base = escapeAttribute(this.basePath);
    const html = raw
      .toString('utf8')
      .replace(/\b(src|href)="\.\//g, `$1="${base}`)
      .replace(/<head([^>]*)>/i, `<head$1>\n<meta name="celeriac-base" content="${base}">`);
    return Buffer.from(html, 'utf8');
  }

  private send(res: ServerResponse, name: string, body: Buffer, head: boolean): void {
    const dot = name.lastIndexOf('.');
    res.statusCode = 200;
    res.setHeader('Content-Type', CONTENT_TYPES[dot >= 0 ? name.slice(dot) : ''] ?? 'application/octet-stream');
    // The client's file names carry no hash: revalidate each time.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Length', body.length);
    res.end(head ? undefined : body);
  }

  async index(res: ServerResponse, head: boolean): Promise<void> {
    const raw = await this.read('index.html');
    if (!raw) throw new HttpError(500, 'CLIENT_NOT_BUILT', NOT_BUILT);
    this.send(res, 'index.html', this.indexHtml(raw), head);
  }

  /** Serve the file `name` (what follows the base path) if the client has it; false if not. */
  async file(res: ServerResponse, name: string, head: boolean): Promise<boolean> {
    if (name === 'index.html') {
      await this.index(res, head);
      return true;
    }
    const body = await this.read(name);
    if (!body) return false;
    this.send(res, name, body, head);
    return true;
  }
}
