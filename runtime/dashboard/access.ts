/**
 * Who may read the dashboard. Bound to loopback, anyone on this host (the page is read-only), as
 * long as the request names a loopback host, so a web page elsewhere cannot reach it through DNS
 * rebinding. Bound to any other address, only requests carrying the token printed at start: in the
 * URL (`?token=`), in an `Authorization: Bearer` header, or in the cookie the server sets when the
 * page is opened with the token (the page's scripts and its event stream then carry it). Pure.
 */
import { timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from './listen-address.js';

export const TOKEN_COOKIE = 'dynpipe_dashboard_token';

/** The request's parts access depends on. */
export interface RequestFacts {
  /** Path and query, as in the request line. */
  url: string;
  host?: string;
  authorization?: string;
  cookie?: string;
}

export type AccessDecision = { ok: true; setCookie?: string } | { ok: false; why: string };

/** The token a request carries, if any (query first, then bearer header, then cookie). */
export function requestToken(r: RequestFacts): string | undefined {
  const query = new URL(r.url, 'http://dashboard').searchParams.get('token');
  if (query) return query;
  const bearer = /^Bearer\s+(\S+)$/i.exec(r.authorization ?? '');
  if (bearer) return bearer[1];
  for (const part of (r.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return value.join('=');
  }
  return undefined;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The host part of a Host header (`[::1]:8080` -> `::1`). */
function hostOf(header: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header);
  return m ? m[1] : header;
}

/** Whether to serve `r`; with a token, a query token that matches is turned into a cookie. */
export function decideAccess(r: RequestFacts, token: string | undefined): AccessDecision {
  if (token === undefined) {
    if (r.host !== undefined && !isLoopbackHost(hostOf(r.host))) return { ok: false, why: `host '${r.host}' is not a loopback name` };
    return { ok: true };
  }
  const given = requestToken(r);
  if (given === undefined) return { ok: false, why: 'no token' };
  if (!sameToken(given, token)) return { ok: false, why: 'wrong token' };
  const fromQuery = new URL(r.url, 'http://dashboard').searchParams.has('token');
  return fromQuery ? { ok: true, setCookie: `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict` } : { ok: true };
}
