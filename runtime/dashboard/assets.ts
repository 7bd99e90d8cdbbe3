/**
 * The files the page loads, all from this machine (the page works with no internet): vega,
 * vega-lite and vega-embed's browser builds from node_modules, and the compiled ES modules of the
 * page and of figures/ (the same spec builders `dynpipe figures` uses) from dist/. Only those
 * are served; any other path is unknown (404). Files are read once and kept.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  contentType: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);

/** Browser builds by URL name. vega-embed exports no subpaths, so its build is found beside its main file. */
function vendorFiles(): Record<string, string> {
  return {
    'vega.min.js': require.resolve('vega/build/vega.min.js'),
    'vega-lite.min.js': require.resolve('vega-lite/build/vega-lite.min.js'),
    'vega-embed.min.js': join(dirname(require.resolve('vega-embed')), 'vega-embed.min.js'),
  };
}

/** dist/, the root of the compiled tree this module is part of (dist/runtime/dashboard/assets.js). */
const DIST_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Compiled modules the page may import: its own, the figure specs and what they import. */
const MODULE_PREFIXES = ['runtime/dashboard/page/', 'runtime/dashboard/events.js', 'figures/', 'runtime/log/metrics.js', 'runtime/errors.js'];

const MODULE_PATH = /^(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_.-]+\.js$/;

export class Assets {
  private readonly cache = new Map<string, Promise<Asset | undefined>>();
  private readonly vendor = vendorFiles();

  constructor(private readonly distRoot: string = DIST_ROOT) {}

  /** `/vendor/<file>` or `/js/<module path>`; undefined for anything else or a missing file. */
  get(path: string): Promise<Asset | undefined> {
    let hit = this.cache.get(path);
    if (!hit) {
      hit = this.load(path);
      this.cache.set(path, hit);
    }
    return hit;
  }

  /** The file behind a URL path, or undefined when the path is not one the page may load. */
  fileOf(path: string): string | undefined {
    if (path.startsWith('/vendor/')) return this.vendor[path.slice('/vendor/'.length)];
    if (!path.startsWith('/js/')) return undefined;
    const rel = path.slice('/js/'.length);
    if (!MODULE_PATH.test(rel)) return undefined; // directory names without dots: no way out of dist/
    if (!MODULE_PREFIXES.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p))) return undefined;
    return join(this.distRoot, ...rel.split('/'));
  }

  private async load(path: string): Promise<Asset | undefined> {
    const file = this.fileOf(path);
    if (!file) return undefined;
    try {
      return { contentType: 'text/javascript; charset=utf-8', body: await readFile(file) };
    } catch {
      this.cache.delete(path); // absent now, maybe built later
      return undefined;
    }
  }
}
