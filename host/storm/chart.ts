// The storm's two charts as ECharts option objects: the one definition that the CLI
// renders to SVG (ECharts' server-side renderer, see svg.ts) and the browser page
// gives to setOption. Plain data: no echarts import here, so the simulation core and
// the page load it without the library.

import type { StormResult } from './report.js';

export type ChartOption = Record<string, unknown>;

/** What the charts read: a finished result, or the engine's snapshot while it runs (the page). */
export type Chartable = Pick<StormResult, 'scenario' | 'histogram' | 'series' | 'backlogInForce'>;

/** Series names, as the charts' legends show them (tests look for these). */
export const SERIES = {
  connect: 'connect latency',
  request: 'request latency',
  acceptQueue: 'accept queue',
  synQueue: 'SYN queue',
  busy: 'busy workers',
  appQueue: 'accepted, waiting for a worker',
  connecting: 'clients connecting',
} as const;

function label(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  if (ms >= 1) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms * 1000).toPrecision(3))} µs`;
}

function title(r: Chartable): string {
  const s = r.scenario;
  return `${s.server.personality}, backlog ${s.server.backlog}, ${s.server.workers} workers, latency ${s.network.latencyMs} ms, seed ${s.seed}`;
}

/**
 * Connect and request latency (from the intended start) as a histogram with 20 bins
 * per decade: SYN retransmits show as separate bars at 1 s, 2 s, 3 s ... (Linux) or
 * 1 s, 3 s, 7 s ... (FreeBSD).
 */
export function latencyChart(r: Chartable): ChartOption {
  const h = r.histogram;
  let lo = h.connect.length, hi = -1;
  for (let i = 0; i < h.connect.length; i++) {
    if (h.connect[i] > 0 || h.request[i] > 0) { lo = Math.min(lo, i); hi = i; }
  }
  if (hi < 0) { lo = 0; hi = 0; }
  const cats: string[] = [];
  for (let i = lo; i <= hi; i++) cats.push(label(h.edgesMs[i]));
  return {
    animation: false,
    title: { text: 'Latency from the intended start', subtext: title(r), left: 'center' },
    tooltip: { trigger: 'axis' },
    legend: { top: 62, data: [SERIES.connect, SERIES.request] },
    grid: { top: 100, left: 70, right: 30, bottom: 60 },
    xAxis: { type: 'category', name: 'at least', nameLocation: 'middle', nameGap: 35, data: cats },
    yAxis: { type: 'log', name: 'clients', min: 1, logBase: 10 },
    series: [
      { name: SERIES.connect, type: 'bar', data: h.connect.slice(lo, hi + 1).map((c) => c || null) },
      // Hatched as well as coloured, so the two bars read apart without colour.
      { name: SERIES.request, type: 'bar', itemStyle: { decal: { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [2, 3], rotation: Math.PI / 4, color: 'rgba(0,0,0,0.45)' } }, data: h.request.slice(lo, hi + 1).map((c) => c || null) },
    ],
  };
}

/** Accept-queue and SYN-queue occupancy, busy workers and clients still connecting, over simulated time. */
export function queueChart(r: Chartable): ChartOption {
  const s = r.series, t = s.tMs.map((x) => x / 1000);
  const pair = (a: number[]) => a.map((v, i) => [t[i], v]);
  const series: { name: string; type: string; step: string; showSymbol: boolean; yAxisIndex?: number; data: number[][] }[] = [
    { name: SERIES.acceptQueue, type: 'line', step: 'end', showSymbol: false, data: pair(s.acceptQueue) },
    { name: SERIES.synQueue, type: 'line', step: 'end', showSymbol: false, data: pair(s.synQueue) },
    { name: SERIES.busy, type: 'line', step: 'end', showSymbol: false, data: pair(s.busyWorkers) },
    { name: SERIES.connecting, type: 'line', step: 'end', showSymbol: false, yAxisIndex: 1, data: pair(s.connecting) },
  ];
  if (r.scenario.server.accept === 'epoll') {
    series.splice(3, 0, { name: SERIES.appQueue, type: 'line', step: 'end', showSymbol: false, data: pair(s.appQueue) });
  }
  // A dash pattern and a legend symbol per line, so the lines read apart without colour.
  const dashes = ['solid', 'dashed', 'dotted', [8, 3, 2, 3], [12, 4]], symbols = ['circle', 'rect', 'triangle', 'diamond', 'pin'];
  const styled = series.map((x, i) => ({ ...x, symbol: symbols[i], lineStyle: { type: dashes[i], width: 2 } }));
  return {
    animation: false,
    title: { text: 'Queues over simulated time', subtext: `${title(r)}; backlog in force ${r.backlogInForce}`, left: 'center' },
    tooltip: { trigger: 'axis' },
    legend: { top: 62, data: styled.map((x) => x.name) },
    grid: { top: 100, left: 70, right: 80, bottom: 60 },
    xAxis: { type: 'value', name: 'simulated seconds', nameLocation: 'middle', nameGap: 35 },
    yAxis: [{ type: 'value', name: 'sockets' }, { type: 'value', name: 'clients connecting', splitLine: { show: false } }],
    series: styled,
  };
}

/** Both charts, in the order the CLI and the page show them. */
export function charts(r: Chartable): ChartOption[] { return [latencyChart(r), queueChart(r)]; }
