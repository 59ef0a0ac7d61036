import { readFileSync } from 'node:fs';

/** PromQL words that are not metric names; a function missing here shows up as an unknown metric, never as a pass. */
const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'histogram_quantile',
  'abs',
  'clamp_min',
  'clamp_max',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'absent',
  'vector',
  'scalar',
  'time',
]);

/**
 * The metric names a PromQL expression reads: label matchers, grouping labels, strings, ranges
 * and numbers removed, then every word that is not PromQL's own.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const words = stripped.match(/(?<![A-Za-z0-9_.:])[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return [...new Set(words.filter((word) => !PROMQL_WORDS.has(word)))];
}

/**
 * The `expr` of every rule in a PrometheusRule file, inline (`expr: …`) or as a block (`expr: |`).
 * Read by lines, as the project has no YAML parser of its own; the count is checked against the
 * rules so an expression the reader misses fails the test.
 */
export function ruleExpressions(path: string): { alert: string; expr: string }[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const rules: { alert: string; expr: string }[] = [];
  let alert = '';
  lines.forEach((line, index) => {
    const named = /^\s*- alert:\s*(\S+)/.exec(line);
    if (named) alert = named[1];
    const expr = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!expr) return;
    if (expr[2] !== '|') {
      rules.push({ alert, expr: expr[2] });
      return;
    }
    const block: string[] = [];
    for (let next = index + 1; next < lines.length && (lines[next].trim() === '' || indent(lines[next]) > expr[1].length); next++) block.push(lines[next]);
    rules.push({ alert, expr: block.join('\n').trim() });
  });
  const alerts = lines.filter((line) => /^\s*- alert:/.test(line)).length;
  if (rules.length !== alerts) throw new Error(`${path}: ${alerts} alerts but ${rules.length} expressions read`);
  return rules;
}

/** The `expr` of every target of every panel (rows' panels included) in a Grafana dashboard. */
export function dashboardExpressions(path: string): { panel: string; expr: string }[] {
  type Panel = { title?: string; panels?: Panel[]; targets?: { expr?: string }[] };
  const dashboard = JSON.parse(readFileSync(path, 'utf8')) as { panels: Panel[] };
  const all = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...all(p.panels ?? [])]);
  return all(dashboard.panels).flatMap((p) => (p.targets ?? []).filter((t) => t.expr).map((t) => ({ panel: p.title ?? '', expr: t.expr as string })));
}

/** Metric names a Prometheus text exposition declares (# TYPE), histograms and summaries with their series suffixes. */
export function exposedMetricNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((suffix) => names.add(name + suffix));
    if (type === 'summary') ['_sum', '_count'].forEach((suffix) => names.add(name + suffix));
  }
  return names;
}

function indent(line: string): number {
  return line.length - line.trimStart().length;
}
