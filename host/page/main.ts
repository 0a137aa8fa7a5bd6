// The storm page: controls built from scenario.ts's FIELDS, one simulation worker per
// configuration (two side by side), live ECharts charts from chart.ts (the definitions
// the CLI's --plot renders to SVG), a table of the same figures, and the state in the URL.
//
// For tests and scripts: <body data-state> is loading | running | done | cancelled |
// error, and a finished run is in window.stormResult and <script id="storm-result">
// with the CLI's --json schema (one configuration: its result; two: the CLI's sweep
// form, { schemaVersion, sweep: [{ point, result }, ...] }).

import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { charts, type Chartable, type ChartOption } from '../storm/chart.js';
import type { Progress, StormSnapshot } from '../storm/engine.js';
import { SCHEMA_VERSION, type StormResult } from '../storm/report.js';
import { FIELDS, ScenarioError, expectation, type Field, type Scenario } from '../storm/scenario.js';
import type { FromWorker, ToWorker } from './protocol.js';
import {
  CONFIG_NAMES, cliCommand, comparePoints, defaultText, fieldError, parseQuery, scenarioOf, textOf, toQuery,
  type Config, type ConfigName, type PageState,
} from './state.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

declare global {
  interface Window { stormResult?: unknown }
}

/** The controls shown first; every other field of FIELDS goes under "More settings". */
const MAIN_FLAGS = [
  'personality', 'backlog', 'workers', 'service', 'service-ms', 'accept',
  'arrival', 'clients', 'rate', 'ramp-from', 'duration-ms', 'users', 'think-ms', 'latency-ms', 'seed',
];
/** Fields that only one arrival model reads: hidden for the others. */
const ARRIVAL_ONLY: Record<string, string[]> = {
  clients: ['burst'], rate: ['poisson', 'ramp'], 'ramp-from': ['ramp'], 'duration-ms': ['poisson', 'ramp', 'closed'],
  users: ['closed'], 'think-ms': ['closed'],
};
const CANCEL_GRACE_MS = 2000;   // a worker that has not answered a cancel by then is terminated
const RERUN_DELAY_MS = 250;     // after a change, so a quick series of edits runs once

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const byName = (name: ConfigName) => name.toUpperCase();

// ---- controls -------------------------------------------------------------------

function control(name: ConfigName, f: Field): HTMLElement {
  const id = `${name}-${f.flag}`, wrap = document.createElement('div');
  wrap.className = 'field';
  wrap.dataset.flag = f.flag;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = f.flag;
  let input: HTMLInputElement | HTMLSelectElement;
  const k = f.kind;
  if (k.type === 'enum' || k.type === 'bool') {
    const select = document.createElement('select');
    const values = k.type === 'enum' ? [...k.values] : [...(k.nullable ? [''] : []), 'true', 'false'];
    for (const v of values) select.add(new Option(v === '' ? 'the personality\'s default' : v, v));
    input = select;
  } else {
    // Text, not type=number: a number box hands over '' for what it cannot parse, and the
    // page must see what was typed (or came in the URL) to refuse it as the CLI does.
    const box = document.createElement('input');
    box.type = 'text';
    box.inputMode = k.type === 'partitions' ? 'text' : k.type === 'int' && k.min >= 0 ? 'numeric' : 'decimal';
    box.autocomplete = 'off';
    box.spellcheck = false;
    if (k.type === 'int' && k.nullable) box.placeholder = 'the personality\'s default';
    input = box;
  }
  input.id = id;
  input.name = f.flag;
  input.dataset.config = name;
  const help = document.createElement('small');
  help.id = `${id}-help`;
  const range = k.type === 'int' || k.type === 'number' ? `${expectation(k)}; ` : '';
  help.textContent = `${f.help} (${range}default ${f.default === null ? 'the personality\'s' : defaultText(f)})`;
  const error = document.createElement('span');
  error.id = `${id}-error`;
  error.className = 'error';
  input.setAttribute('aria-describedby', `${help.id} ${error.id}`);
  wrap.append(label, input, help, error);
  return wrap;
}

function buildConfig(name: ConfigName): HTMLFieldSetElement {
  const set = document.createElement('fieldset');
  set.id = `config-${name}`;
  const legend = document.createElement('legend');
  legend.textContent = `Configuration ${byName(name)}`;
  const main = document.createElement('div'), more = document.createElement('div');
  main.className = more.className = 'fields';
  for (const flag of MAIN_FLAGS) main.append(control(name, FIELDS.find((f) => f.flag === flag)!));
  for (const f of FIELDS) if (!MAIN_FLAGS.includes(f.flag)) more.append(control(name, f));
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'More settings: sysctls, timeouts, retries, sizes, sampling';
  details.append(summary, more);
  set.append(legend, main, details);
  return set;
}

function inputsOf(name: ConfigName): (HTMLInputElement | HTMLSelectElement)[] {
  return [...document.querySelectorAll<HTMLInputElement | HTMLSelectElement>(`#config-${name} :is(input, select)`)];
}

function writeConfig(name: ConfigName, c: Config): void {
  for (const input of inputsOf(name)) input.value = textOf(c, FIELDS.find((f) => f.flag === input.name)!);
  showArrivalFields(name);
}

function readConfig(name: ConfigName): Config {
  const c: Config = new Map();
  for (const input of inputsOf(name)) c.set(input.name, input.value.trim());
  return c;
}

function showArrivalFields(name: ConfigName): void {
  const arrival = ($(`${name}-arrival`) as HTMLSelectElement).value;
  for (const [flag, models] of Object.entries(ARRIVAL_ONLY)) {
    $(`${name}-${flag}`).closest<HTMLElement>('.field')!.hidden = !models.includes(arrival);
  }
}

/** Marks each bad field; returns the checked scenario or the first error in words. */
function check(name: ConfigName, c: Config): Scenario | string {
  let first: string | null = null;
  for (const f of FIELDS) {
    const input = $(`${name}-${f.flag}`), msg = fieldError(f, textOf(c, f));
    input.setAttribute('aria-invalid', String(msg !== null));
    $(`${name}-${f.flag}-error`).textContent = msg ?? '';
    first ??= msg && `Configuration ${byName(name)}: ${msg}`;
  }
  if (first) return first;
  try { return scenarioOf(c); } catch (e) {
    if (e instanceof ScenarioError) return `Configuration ${byName(name)}: ${e.message}`;
    throw e;
  }
}

// ---- results: charts, progress and the table ------------------------------------

interface Column {
  name: ConfigName;
  root: HTMLElement;
  progress: HTMLProgressElement;
  progressText: HTMLElement;
  charts: echarts.ECharts[];
  chartBoxes: HTMLElement[];
}

function buildColumn(name: ConfigName): Column {
  const root = document.createElement('div');
  root.className = 'column';
  root.id = `column-${name}`;
  const h = document.createElement('h3');
  h.textContent = `Configuration ${byName(name)}`;
  const bar = document.createElement('div');
  bar.className = 'progress';
  const progress = document.createElement('progress');
  progress.max = 1;
  progress.value = 0;
  progress.setAttribute('aria-label', `Configuration ${byName(name)}: progress`);
  const progressText = document.createElement('span');
  bar.append(progress, progressText);
  root.append(h, bar);
  const chartBoxes = ['latency', 'queues'].map((kind) => {
    const box = document.createElement('div');
    box.className = 'chart';
    box.id = `chart-${kind}-${name}`;
    box.setAttribute('role', 'img');
    root.append(box);
    return box;
  });
  $('columns').append(root);
  const instances = chartBoxes.map((b) => echarts.init(b, null, { renderer: 'canvas' }));
  // The boxes change size with the window and when B's column appears or goes.
  const observer = new ResizeObserver(() => instances.forEach((c) => c.resize()));
  chartBoxes.forEach((b) => observer.observe(b));
  return { name, root, progress, progressText, chartBoxes, charts: instances };
}

function drawCharts(col: Column, r: Chartable): void {
  charts(r).forEach((option: ChartOption, i) => {
    col.charts[i].setOption(option, { notMerge: true, lazyUpdate: true });
    const t = option.title as { text: string; subtext: string };
    col.chartBoxes[i].setAttribute('aria-label', `${t.text} (${t.subtext}); the figures are in the table below`);
  });
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(ms >= 100_000 ? 0 : 2))} s`;

function showProgress(col: Column, p: Progress): void {
  col.progress.value = p.fraction;
  col.progressText.textContent = `simulated ${seconds(p.simulatedMs)}; ${p.finished} of ${p.total} clients finished`;
}

type Row = [label: string, path: string, kind: 'n' | 'ms' | 'text'];
const ROWS: (Row | string)[] = [
  'Clients',
  ['total', 'clients.total', 'n'], ['served', 'clients.served', 'n'], ['refused (RST)', 'clients.refused', 'n'],
  ['timed out (SYN retries)', 'clients.timedOut', 'n'], ['abandoned (client timeout)', 'clients.abandoned', 'n'],
  ['reset after connect', 'clients.reset', 'n'], ['connected, never served', 'clients.unserved', 'n'],
  ['still connecting at the end', 'clients.pending', 'n'], ['no ephemeral port', 'clients.noPort', 'n'],
  ['connect attempts', 'clients.attempts', 'n'], ['application retries', 'clients.retries', 'n'],
  ['requests resent (cookie path)', 'clients.requestResends', 'n'],
  'SYNs and queues',
  ['dropped at the listener (SYNs, final ACKs)', 'syn.dropped', 'n'], ['SYNs retransmitted', 'syn.retransmitted', 'n'], ['syncookies sent', 'syn.cookiesSent', 'n'],
  ['backlog in force', 'backlogInForce', 'n'], ['ListenOverflows', 'kernel.ListenOverflows', 'n'], ['ListenDrops', 'kernel.ListenDrops', 'n'],
  'Network',
  ['client hosts', 'network.clientHosts', 'n'],
  ['packets lost, clients to server', 'network.links.toServer.lost', 'n'], ['packets lost, server to clients', 'network.links.toClients.lost', 'n'],
  ['queue drops, clients to server', 'network.links.toServer.queueDrops', 'n'], ['partition drops, clients to server', 'network.links.toServer.partitionDrops', 'n'],
  ['queue drops, server uplink', 'network.serverUplink.queueDrops', 'n'],
  'Connect latency from the intended start',
  ...(['p50', 'p90', 'p99', 'p999', 'max'] as const).map((p): Row => [p === 'p999' ? 'p99.9' : p, `latencyMs.connect.${p}`, 'ms']),
  'Request latency (to the last byte)',
  ...(['p50', 'p90', 'p99', 'p999', 'max'] as const).map((p): Row => [p === 'p999' ? 'p99.9' : p, `latencyMs.request.${p}`, 'ms']),
  'Time in the accept queue',
  ...(['p50', 'p99', 'max'] as const).map((p): Row => [p, `latencyMs.acceptQueue.${p}`, 'ms']),
  'Run',
  ['simulated time', 'simulatedMs', 'ms'], ['ended', 'endReason', 'text'],
  ['Erlang C P(wait), textbook', 'erlangC.pWait', 'n'], ['Erlang C P(wait), simulated', 'erlangC.simulated.pWait', 'n'],
];

function valueAt(r: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string, unknown>)[k]), r);
}

function formatCell(v: unknown, kind: Row[2]): string {
  if (v === null || v === undefined) return '–';
  if (kind === 'ms' && typeof v === 'number') return v >= 1000 ? seconds(v) : `${Number(v.toPrecision(4))} ms`;
  return String(v);
}

/** The table of figures: one column per configuration; each cell carries its JSON path and exact value. */
function drawTable(results: (StormResult | StormSnapshot | null)[], names: ConfigName[]): void {
  const table = $('numbers') as HTMLTableElement;
  const head = document.createElement('tr');
  head.append(th('col', 'figure'), ...names.map((n) => th('col', `Configuration ${byName(n)}`)));
  table.tHead!.replaceChildren(head);
  const body = table.tBodies[0];
  body.replaceChildren(...ROWS.map((row) => {
    const tr = document.createElement('tr');
    if (typeof row === 'string') {
      tr.className = 'group';
      const cell = th('colgroup', row);
      cell.colSpan = names.length + 1;
      tr.append(cell);
      return tr;
    }
    const [label, path, kind] = row;
    tr.append(th('row', label));
    results.forEach((r, i) => {
      const td = document.createElement('td'), v = r ? valueAt(r, path) : undefined;
      td.dataset.path = path;
      td.dataset.config = names[i];
      td.dataset.value = JSON.stringify(v ?? null);
      td.textContent = formatCell(v, kind);
      tr.append(td);
    });
    return tr;
  }));
}

function th(scope: string, text: string): HTMLTableCellElement {
  const cell = document.createElement('th');
  cell.scope = scope;
  cell.textContent = text;
  return cell;
}

// ---- runs -------------------------------------------------------------------------

interface Slot {
  worker: Worker;
  column: Column;
  runId: number;
  running: boolean;
  latest: StormResult | StormSnapshot | null;
  cancelTimer?: ReturnType<typeof setTimeout>;
}

let nextRunId = 1;
const slots = new Map<ConfigName, Slot>();
let active: ConfigName[] = [];
let scenarios: Scenario[] = [];
let drawPending = false;

function newWorker(name: ConfigName): Worker {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: `storm-${name}` });
  w.onmessage = (e: MessageEvent<FromWorker>) => onWorker(name, e.data);
  w.onerror = (e) => { e.preventDefault(); finish(name, 'error', `the worker failed: ${e.message}`); };
  return w;
}

function slot(name: ConfigName): Slot {
  let s = slots.get(name);
  if (!s) {
    s = { worker: newWorker(name), column: buildColumn(name), runId: 0, running: false, latest: null };
    slots.set(name, s);
  }
  return s;
}

function post(s: Slot, m: ToWorker): void { s.worker.postMessage(m); }

/** Said after every status line: URL parameters the page did not know (a link from a later version?). */
let urlNotice = '';

function setState(state: 'running' | 'done' | 'cancelled' | 'error', message: string): void {
  document.body.dataset.state = state;
  const status = $('status');
  status.dataset.kind = state;
  status.textContent = message + urlNotice;
  ($('cancel') as HTMLButtonElement).disabled = state !== 'running';
}

function publish(result: unknown): void {
  window.stormResult = result;
  $('storm-result').textContent = result === undefined ? '' : JSON.stringify(result).replace(/</g, '\\u003c');
}

function run(): void {
  const state = readState();
  const checked = CONFIG_NAMES.filter((n) => n === 'a' || state.b).map((n) => check(n, n === 'a' ? state.a : state.b!));
  const bad = checked.find((c): c is string => typeof c === 'string');
  if (bad) { stopAll(); setState('error', bad); return; }
  stopAll();
  active = CONFIG_NAMES.filter((n) => n === 'a' || state.b);
  scenarios = checked as Scenario[];
  for (const [name, s] of slots) s.column.root.hidden = !active.includes(name);
  document.querySelector('.results-body')!.classList.toggle('compare', active.length > 1);
  publish(undefined);
  active.forEach((name, i) => {
    const s = slot(name);
    s.runId = nextRunId++;
    s.running = true;
    s.latest = null;
    s.column.progress.value = 0;
    s.column.progressText.textContent = 'starting';
    post(s, { type: 'run', id: s.runId, scenario: scenarios[i] });
  });
  setState('running', `Running ${active.map(byName).join(' and ')}…`);
}

/** Stops whatever runs, without waiting (a new run or a bad setting supersedes it). */
function stopAll(): void {
  for (const s of slots.values()) {
    if (!s.running) continue;
    post(s, { type: 'cancel', id: s.runId });
    s.running = false;
  }
}

function cancel(): void {
  const running = [...slots.entries()].filter(([, s]) => s.running);
  if (running.length === 0) return;
  setState('running', 'Cancelling…');
  for (const [name, s] of running) {
    post(s, { type: 'cancel', id: s.runId });
    // A worker deep in one long slice answers late; past the grace period it is replaced.
    s.cancelTimer = setTimeout(() => {
      if (!s.running) return;
      s.worker.terminate();
      s.worker = newWorker(name);
      onWorker(name, { type: 'cancelled', id: s.runId });
    }, CANCEL_GRACE_MS);
  }
}

function onWorker(name: ConfigName, m: FromWorker): void {
  const s = slot(name);
  if (m.id !== s.runId) return;   // a superseded run
  switch (m.type) {
    case 'progress':
      showProgress(s.column, m.progress);
      if (m.snapshot) { s.latest = m.snapshot; scheduleDraw(); }
      return;
    case 'done':
      s.latest = m.result;
      showProgress(s.column, { simulatedMs: m.result.simulatedMs, finished: m.result.clients.total, total: m.result.clients.total, fraction: 1 });
      s.column.progressText.textContent += `; ${seconds(m.wallMs)} of wall time`;
      finish(name, 'done');
      return;
    case 'cancelled': finish(name, 'cancelled'); return;
    case 'error': finish(name, 'error', m.message); return;
  }
}

function finish(name: ConfigName, how: 'done' | 'cancelled' | 'error', message?: string): void {
  const s = slot(name);
  if (!s.running) return;
  s.running = false;
  clearTimeout(s.cancelTimer);
  if (how === 'error') { stopAll(); setState('error', `${byName(name)}: ${message}`); return; }
  if (how === 'cancelled') {
    s.column.progressText.textContent = `cancelled at ${s.column.progressText.textContent}`;
    if (active.every((n) => !slot(n).running)) setState('cancelled', 'Cancelled. Change a setting or press Run to start again.');
    return;
  }
  if (active.some((n) => slot(n).running)) return;
  draw();
  const results = active.map((n) => slot(n).latest as StormResult);
  if (results.length === 1) publish(results[0]);
  else {
    const [pa, pb] = comparePoints(scenarios[0], scenarios[1]);
    publish({ schemaVersion: SCHEMA_VERSION, sweep: [{ point: pa, result: results[0] }, { point: pb, result: results[1] }] });
  }
  const served = results.map((r, i) => `${byName(active[i])}: ${r.clients.served} of ${r.clients.total} served, connect p99 ${formatCell(r.latencyMs.connect.p99, 'ms')}`);
  setState('done', `Done. ${served.join('; ')}.`);
}

function scheduleDraw(): void {
  if (drawPending) return;
  drawPending = true;
  window.requestAnimationFrame(() => { drawPending = false; draw(); });
}

function draw(): void {
  for (const n of active) { const s = slot(n); if (s.latest) drawCharts(s.column, s.latest); }
  drawTable(active.map((n) => slot(n).latest), active);
}

// ---- state, URL and the command line ----------------------------------------------

function readState(): PageState {
  return { a: readConfig('a'), b: ($('compare') as HTMLInputElement).checked ? readConfig('b') : null };
}

function syncUrlAndCli(): PageState {
  const state = readState();
  history.replaceState(null, '', `${location.pathname}?${toQuery(state)}`);
  $('cli').textContent = [state.a, state.b].filter((c): c is Config => c !== null).map(cliCommand).join('\n');
  return state;
}

async function copy(text: string, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    $('status').textContent = `Copied the ${what}.`;
  } catch {
    // No clipboard permission (some browsers, plain http): select it for the user instead.
    const pre = $('cli'), range = document.createRange();
    range.selectNodeContents(pre);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    $('status').textContent = `Copying is not allowed here: the ${what} is selected, press Ctrl+C.`;
  }
}

function start(): void {
  const configs = $('configs');
  configs.append(buildConfig('a'), buildConfig('b'));
  const { state, unknown } = parseQuery(location.search);
  writeConfig('a', state.a);
  writeConfig('b', state.b ?? state.a);
  ($('compare') as HTMLInputElement).checked = state.b !== null;
  $('config-b').hidden = state.b === null;

  let rerun: ReturnType<typeof setTimeout> | undefined;
  const form = $('controls') as HTMLFormElement;
  form.addEventListener('change', (e) => {
    const target = e.target as HTMLInputElement;
    if (target.id === 'compare') {
      $('config-b').hidden = !target.checked;
      if (target.checked) writeConfig('b', readConfig('a'));   // B starts as a copy of A
    }
    if (target.name === 'arrival') showArrivalFields(target.dataset.config as ConfigName);
    syncUrlAndCli();
    clearTimeout(rerun);
    rerun = setTimeout(run, RERUN_DELAY_MS);
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(rerun); syncUrlAndCli(); run(); });
  $('cancel').addEventListener('click', cancel);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && document.body.dataset.state === 'running') cancel(); });
  $('copy-cli').addEventListener('click', () => void copy($('cli').textContent ?? '', 'command'));
  $('copy-link').addEventListener('click', () => void copy(location.href, 'link'));

  if (unknown.length > 0) urlNotice = ` (URL parameters not used: ${unknown.join(', ')})`;
  syncUrlAndCli();
  run();
}

start();
