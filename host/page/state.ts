// The page's state: one or two configurations, each the text of its fields keyed by the
// CLI's flag names (scenario.ts FIELDS), kept in the URL's query string so a link
// reproduces the run. The same text goes through scenario.ts's parseValue, the parser
// the CLI uses, so the page, the URL and the command line cannot disagree.
//
//   ?backlog=16&clients=5000                        one configuration
//   ?backlog=128&compare=1&b.personality=freebsd    A beside B (B's fields prefixed b.)

import { FIELDS, ScenarioError, fieldByKey, getPath, normalizeScenario, parseValue, setPath, type Field, type Scenario } from '../storm/scenario.js';

/** A configuration as typed: flag -> text. Missing flags take the field's default. */
export type Config = Map<string, string>;

export interface PageState { a: Config; b: Config | null }

export const CONFIG_NAMES = ['a', 'b'] as const;
export type ConfigName = (typeof CONFIG_NAMES)[number];

/** A field's default as the text a control shows ('' for null: the kernel's default). */
export function defaultText(f: Field): string {
  return f.default === null ? '' : String(f.default);
}

/** The text of one field in a configuration. */
export function textOf(c: Config, f: Field): string {
  return c.get(f.flag) ?? defaultText(f);
}

/** The flags whose text differs from the default, in FIELDS order; the seed always. */
function explicit(c: Config): [Field, string][] {
  return FIELDS.filter((f) => f.flag === 'seed' || textOf(c, f) !== defaultText(f)).map((f) => [f, textOf(c, f)]);
}

/**
 * Reads the state from a query string. Keys it does not use (unknown flags, B's fields
 * without compare=1) are returned in `unknown`, for the page to name, not dropped silently.
 */
export function parseQuery(search: string): { state: PageState; unknown: string[] } {
  const q = new URLSearchParams(search), a: Config = new Map(), b: Config = new Map(), unknown: string[] = [];
  const compare = q.get('compare') === '1';
  for (const [key, value] of q) {
    if (key === 'compare') continue;
    const inB = key.startsWith('b.'), flag = inB ? key.slice(2) : key;
    const f = fieldByKey(flag);
    if (!f || f.flag !== flag || (inB && !compare)) { unknown.push(key); continue; }
    (inB ? b : a).set(flag, value);
  }
  return { state: { a, b: compare ? b : null }, unknown };
}

/** The query string for a state (no leading '?'): the seed and every field not at its default. */
export function toQuery(s: PageState): string {
  const q = new URLSearchParams();
  for (const [f, text] of explicit(s.a)) q.append(f.flag, text);
  if (s.b) {
    q.append('compare', '1');
    for (const [f, text] of explicit(s.b)) q.append(`b.${f.flag}`, text);
  }
  return q.toString();
}

/** The error of one field's text in the CLI's words (`--backlog must be ...`), or null when the CLI takes it. */
export function fieldError(f: Field, text: string): string | null {
  if (text === '' && f.default === null) return null;
  try { parseValue(f, text, `--${f.flag}`); return null; } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
}

/**
 * The checked scenario of a configuration, exactly as the CLI builds it from the same
 * flags (parseValue for each, then normalizeScenario); throws ScenarioError naming the
 * flag or the field.
 */
export function scenarioOf(c: Config): Scenario {
  const input: Record<string, unknown> = {};
  for (const [f, text] of explicit(c)) {
    if (text === '' && f.default === null) continue;
    setPath(input, f.path, parseValue(f, text, `--${f.flag}`));
  }
  return normalizeScenario(input);
}

/**
 * The CLI's arguments for a configuration: `--flag value` for the seed and every
 * non-default field; `--flag=-1` for a value that starts with a dash, which
 * node:util parseArgs would otherwise refuse as ambiguous.
 */
export function cliArgs(c: Config): string[] {
  return explicit(c).filter(([f, text]) => !(text === '' && f.default === null))
    .flatMap(([f, text]) => (text.startsWith('-') ? [`--${f.flag}=${text}`] : [`--${f.flag}`, text]));
}

/** Quotes an argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `npx socket-kernel storm ...` for a configuration. */
export function cliCommand(c: Config): string {
  return ['npx', 'socket-kernel', 'storm', ...cliArgs(c)].map(shellQuote).join(' ');
}

/**
 * The fields in which A and B differ, as the CLI's --sweep names its points
 * ({ backlog: 128 } beside { backlog: 1024 }), for the side-by-side JSON.
 */
export function comparePoints(a: Scenario, b: Scenario): [Record<string, unknown>, Record<string, unknown>] {
  const pa: Record<string, unknown> = {}, pb: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const va = getPath(a, f.path), vb = getPath(b, f.path);
    if (JSON.stringify(va) !== JSON.stringify(vb)) { pa[f.flag] = va; pb[f.flag] = vb; }   // partitions are arrays
  }
  return [pa, pb];
}

