/**
 * The dashboard's HTTP server (node:http): GET / (the page), GET /events (server-sent events from
 * the feed), the page's scripts (./assets.ts). Read-only: nothing else is served, no other method.
 * Access as ./access.ts decides (403 otherwise).
 *
 * A failure here never reaches training: a handler that throws answers 500 and says one line (the
 * first time), a page that goes away is dropped, one that stops reading is dropped once
 * MAX_BACKLOG_BYTES wait for it, and socket errors are swallowed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynpipeError } from '../errors.js';
import { decideAccess } from './access.js';
import type { Assets } from './assets.js';
import type { DashboardFeed } from './feed.js';
import { type ListenAddress, hostPort, isLoopbackHost } from './listen-address.js';
import { pageHtml } from './page-html.js';

/** Unsent bytes, beyond the snapshot a page gets first, after which a page that stopped reading is dropped. */
export const MAX_BACKLOG_BYTES = 16 * 1024 * 1024;

/** How long a closing server waits for pages to take the end of their streams. */
export const CLOSE_GRACE_MS = 1000;

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // vega compiles expressions with Function(): hence 'unsafe-eval'; vega-embed adds a style element
  'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

export interface DashboardServerOptions {
  listen: ListenAddress;
  /** Required exactly when `listen.host` is not loopback: every request must then carry it. */
  token?: string;
  feed: DashboardFeed;
  assets: Assets;
  /** One line per problem worth a user's attention. */
  say(line: string): void;
  /** Test hook: runs first in every request handler (lets a test make a handler throw). */
  beforeRequest?(path: string): void;
}

export class DashboardServer {
  private readonly sockets = new Set<Socket>();
  private saidFailure = false;

  private constructor(
    private readonly server: Server,
    private readonly o: DashboardServerOptions,
  ) {}

  /** Listens; rejects with E_IO naming the address when it cannot (port taken, no such address). */
  static async start(o: DashboardServerOptions): Promise<DashboardServer> {
    const loopback = isLoopbackHost(o.listen.host);
    if (!loopback && !o.token) throw new DynpipeError('E_USAGE', `dashboard on ${hostPort(o.listen.host, o.listen.port)}: a non-loopback address needs a token`);
    const server = createServer();
    const s = new DashboardServer(server, o);
    server.on('request', (req, res) => s.handle(req, res));
    server.on('connection', (socket) => {
      s.sockets.add(socket);
      socket.on('close', () => s.sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new DynpipeError('E_IO', `dashboard: cannot listen on ${hostPort(o.listen.host, o.listen.port)}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
      server.listen(o.listen.port, o.listen.host, () => resolve());
    });
    server.on('error', (e) => s.failed(e));
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The URL to open (with the token when one is required); an unspecified bind address shows as this host's name. */
  url(hostName: string): string {
    const h = this.o.listen.host === '0.0.0.0' || this.o.listen.host === '::' ? hostName : this.o.listen.host;
    return `http://${hostPort(h, this.port)}/${this.o.token ? `?token=${this.o.token}` : ''}`;
  }

  /**
   * Ends every event stream and stops listening once each page has taken the end of its stream
   * (closing the server earlier would cut the bytes still queued on a socket), or after
   * CLOSE_GRACE_MS for a page that does not read.
   */
  async close(): Promise<void> {
    this.o.feed.close();
    const deadline = Date.now() + CLOSE_GRACE_MS;
    const queued = () => [...this.sockets].some((socket) => !socket.destroyed && socket.writableLength > 0);
    while (queued() && Date.now() < deadline) await sleep(10);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => undefined);
    try {
      this.route(req, res).catch((e: unknown) => this.answerFailure(res, e));
    } catch (e) {
      this.answerFailure(res, e);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    this.o.beforeRequest?.(url.pathname);
    const access = decideAccess({ url: req.url ?? '/', host: req.headers.host, authorization: req.headers.authorization, cookie: req.headers.cookie }, this.o.token);
    if (!access.ok) return this.answer(res, 403, 'text/plain; charset=utf-8', `forbidden: ${access.why}\n`);
    if (access.setCookie) res.setHeader('Set-Cookie', access.setCookie);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.answer(res, 405, 'text/plain; charset=utf-8', 'the dashboard is read-only\n');
    }
    const path = url.pathname;
    if (path === '/' || path === '/index.html') return this.answer(res, 200, 'text/html; charset=utf-8', pageHtml(), req.method === 'HEAD');
    if (path === '/events') return this.events(req, res);
    if (path === '/favicon.ico') return this.answer(res, 204, 'text/plain', '');
    const asset = await this.o.assets.get(path);
    if (!asset) return this.answer(res, 404, 'text/plain; charset=utf-8', `not found: ${path}\n`);
    return this.answer(res, 200, asset.contentType, asset.body, req.method === 'HEAD');
  }

  private answer(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headOnly = false): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    res.end(headOnly ? undefined : body);
  }

  /** A server-sent event stream: the feed's snapshot, then every new event, until the page leaves. */
  private events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 3000\n\n');
    let limit = Infinity; // the snapshot goes out whole; afterwards at most MAX_BACKLOG_BYTES more may wait
    const unsubscribe = this.o.feed.subscribe({
      send: (frame) => {
        if (res.destroyed || res.writableEnded) return false;
        res.write(frame);
        if (res.writableLength > limit) {
          res.destroy();
          return false;
        }
        return true;
      },
      close: () => res.end(),
    });
    limit = res.writableLength + MAX_BACKLOG_BYTES;
    req.on('close', unsubscribe);
  }

  private answerFailure(res: ServerResponse, e: unknown): void {
    this.failed(e);
    try {
      if (!res.headersSent) this.answer(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    } catch {
      // the connection is beyond saving; training is not affected
    }
  }

  private failed(e: unknown): void {
    if (this.saidFailure) return;
    this.saidFailure = true;
    this.o.say(`dashboard: a request failed (${(e as Error)?.message ?? String(e)}); training continues`);
  }
}
