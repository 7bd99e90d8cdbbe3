/** Plain HTTP requests for server tests, with a deadline; bodies as text. */
import { type IncomingHttpHeaders, request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function httpRequest(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.end();
  });
}

export function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return httpRequest(url, { headers });
}
