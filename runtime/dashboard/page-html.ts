/**
 * The dashboard's one HTML page: facts at the top, a grid of panels, the table of plan changes.
 * Scripts load from this server only (node_modules' browser builds, then the page module).
 */
import { PANEL_IDS, type PanelId } from './page/panels.js';

const TITLES: Record<PanelId, string> = {
  plan: 'Plan in force',
  iterations: 'Iteration time',
  ranks: 'Per-rank activity',
  loss: 'Training progress',
  plans: 'Plan history',
};

const FACTS: Array<[string, string]> = [
  ['status', 'Status'],
  ['run', 'Run'],
  ['progress', 'Progress'],
  ['plan', 'Plan'],
  ['prediction', 'Predicted slowdowns'],
  ['loss', 'Latest loss'],
];

const STYLE = `
body { font-family: 'DejaVu Sans', sans-serif; margin: 16px 20px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 8px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 14px; font-size: 13px; }
dt { color: #666; } dd { margin: 0; }
main { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
section.panel { flex: 0 0 auto; background: white; border: 1px solid #ddd; border-radius: 4px; padding: 8px; }
section.panel h2 { font-size: 14px; margin: 0 0 4px; color: #444; }
.waiting { color: #888; font-size: 13px; font-style: italic; }
table { border-collapse: collapse; font-size: 13px; margin-top: 14px; background: white; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
`;

export function pageHtml(): string {
  const facts = FACTS.map(([id, label]) => `<dt>${label}</dt><dd id="fact-${id}"></dd>`).join('');
  const panels = PANEL_IDS.map((id) => `<section class="panel" id="panel-${id}"><h2>${TITLES[id]}</h2><div class="chart"></div><p class="waiting">waiting for data</p></section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dynpipe dashboard</title>
<style>${STYLE}</style>
<script src="/vendor/vega.min.js"></script>
<script src="/vendor/vega-lite.min.js"></script>
<script src="/vendor/vega-embed.min.js"></script>
<script type="module" src="/js/runtime/dashboard/page/main.js"></script>
</head>
<body>
<h1>dynpipe dashboard</h1>
<dl>${facts}</dl>
<main>
${panels}
</main>
<table id="changes" hidden><caption>Plan changes</caption><thead><tr></tr></thead><tbody></tbody></table>
</body>
</html>
`;
}
