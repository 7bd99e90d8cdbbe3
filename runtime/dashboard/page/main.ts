/**
 * The dashboard page (browser only): follows the server's event stream, folds it into the model,
 * and redraws at most every RENDER_MS, or less often when redrawing is slow: the next redraw waits
 * at least DRAW_SHARE times the last one's duration, so drawing takes at most 1 / DRAW_SHARE of
 * the browser's time however long the run. Each panel's spec comes from the figure builders
 * (./panels.ts); a panel is embedded once with vega-embed and afterwards only its named datasets
 * are replaced (figures/named-data.ts), unless the spec's shape changed. Exposes
 * `window.dynpipeDashboard` (the model and the vega views) for tests and the curious.
 */
import type { EmbedOptions, Result, VisualizationSpec } from 'vega-embed';
import { attachData, detachData } from '../../../figures/named-data.js';
import type { DashboardEvent } from '../events.js';
import { CHANGE_COLUMNS, changeTable, factsOf, type FactId } from './facts.js';
import { DashboardModel } from './model.js';
import { type Panel, type PanelId, dashboardPanels, panelWindows } from './panels.js';

const RENDER_MS = 1000;
const DRAW_SHARE = 10;

export interface DashboardHandle {
  model: DashboardModel;
  views: Partial<Record<PanelId, Result['view']>>;
  /** Completed redraws; the count after which the latest event is on screen is `renderedEvents`. */
  renders: number;
  renderedEvents: number;
  /** Wall ms spent redrawing so far (what the page costs its machine). */
  renderMs: number;
  windows: () => ReturnType<typeof panelWindows>;
}

declare global {
  interface Window {
    /** vega-embed's browser build, loaded by a script tag before this module. */
    vegaEmbed(el: HTMLElement, spec: VisualizationSpec, options?: EmbedOptions): Promise<Result>;
    dynpipeDashboard: DashboardHandle;
  }
}

const model = new DashboardModel();
const embedded = new Map<PanelId, { key: string; result: Result }>();
const handle: DashboardHandle = { model, views: {}, renders: 0, renderedEvents: 0, renderMs: 0, windows: () => panelWindows(model) };
window.dynpipeDashboard = handle;
let connected = false;

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page has no #${id}`);
  return el;
}

function writeFacts(): void {
  const facts = factsOf(model, connected);
  for (const id of Object.keys(facts) as FactId[]) byId(`fact-${id}`).textContent = facts[id];
  if (model.run) document.title = `dynpipe: ${model.run.name}`;
  const table = byId('changes');
  const rows = changeTable(model);
  table.hidden = rows.length === 0;
  const body = table.querySelector('tbody')!;
  body.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement('tr');
    tr.append(...cells.map((c) => Object.assign(document.createElement('td'), { textContent: c })));
    return tr;
  }));
  const head = table.querySelector('thead tr')!;
  if (head.childElementCount === 0) head.append(...CHANGE_COLUMNS.map((c) => Object.assign(document.createElement('th'), { textContent: c })));
}

async function drawPanel(p: Panel): Promise<void> {
  const section = byId(`panel-${p.id}`);
  const chart = section.querySelector<HTMLElement>('.chart')!;
  const note = section.querySelector<HTMLElement>('.waiting')!;
  if ('waiting' in p) {
    note.textContent = p.waiting;
    note.hidden = embedded.has(p.id);
    return;
  }
  note.hidden = true;
  const d = detachData(p.spec);
  const old = embedded.get(p.id);
  if (old && old.key === d.shapeKey) {
    for (const [name, values] of Object.entries(d.datasets)) old.result.view.data(name, values);
    await old.result.view.runAsync();
    return;
  }
  old?.result.finalize();
  const result = await window.vegaEmbed(chart, attachData(d) as VisualizationSpec, { actions: false, renderer: 'svg' });
  embedded.set(p.id, { key: d.shapeKey, result });
  handle.views[p.id] = result.view;
}

async function render(): Promise<void> {
  const t0 = performance.now();
  const events = model.events;
  writeFacts();
  for (const p of dashboardPanels(model)) {
    try {
      await drawPanel(p);
    } catch (e) {
      const note = byId(`panel-${p.id}`).querySelector<HTMLElement>('.waiting')!;
      note.textContent = `cannot draw: ${(e as Error).message}`;
      note.hidden = false;
    }
  }
  handle.renders++;
  handle.renderedEvents = events;
  handle.renderMs += performance.now() - t0;
}

let timer: ReturnType<typeof setTimeout> | undefined;
let drawing = false;
let lastDrawMs = 0;

/** Redraws after the delay above; one redraw at a time, and one more if events came in during it. */
function schedule(): void {
  if (timer !== undefined) return;
  const delay = handle.renders === 0 ? 0 : Math.max(RENDER_MS, DRAW_SHARE * lastDrawMs);
  timer = setTimeout(async () => {
    timer = undefined;
    if (drawing) return schedule();
    drawing = true;
    const t0 = performance.now();
    try {
      await render();
    } finally {
      lastDrawMs = performance.now() - t0;
      drawing = false;
      if (handle.renderedEvents !== model.events) schedule();
    }
  }, delay);
}

const source = new EventSource('events');
source.onopen = () => {
  connected = true;
  schedule();
};
source.onmessage = (m: MessageEvent<string>) => {
  model.apply(JSON.parse(m.data) as DashboardEvent);
  schedule();
};
source.onerror = () => {
  connected = false;
  if (model.end) source.close(); // the run is over and its server gone: nothing to reconnect to
  schedule();
};
schedule();
