// Renders the storm's charts (chart.ts) to SVG with ECharts' server-side renderer, and
// writes `--plot FILE.svg` or `FILE.html`. Needs the echarts package (a run-time
// dependency of the CLI, not of the kernel entries).

import * as echarts from 'echarts';
import { charts, type ChartOption } from './chart.js';
import type { StormResult } from './report.js';

export const WIDTH = 900;
export const HEIGHT = 420;

/** One chart as an SVG document (no browser: echarts' ssr mode). */
export function renderSvg(option: ChartOption, width = WIDTH, height = HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ backgroundColor: '#fff', ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The two charts stacked in one SVG (for --plot FILE.svg). */
export function plotSvg(r: StormResult): string {
  const parts = charts(r).map((o) => renderSvg(o));
  const inner = parts.map((svg, i) => svg.replace(/^<svg /, `<svg y="${i * HEIGHT}" `)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT * parts.length}" viewBox="0 0 ${WIDTH} ${HEIGHT * parts.length}">\n${inner}\n</svg>\n`;
}

/** A self-contained HTML page: the SVGs inline, the result as JSON (id "storm-result"). */
export function plotHtml(r: StormResult, summary: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const svgs = charts(r).map((o) => `<figure>${renderSvg(o)}</figure>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>socket-kernel storm</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:${WIDTH + 40}px}pre{background:#f6f6f6;padding:1em;overflow-x:auto}figure{margin:1em 0}</style>
</head><body>
<h1>socket-kernel storm</h1>
<pre>${esc(summary)}</pre>
${svgs}
<script type="application/json" id="storm-result">${JSON.stringify(r).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
