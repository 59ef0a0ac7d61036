import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, Findings } from './checker';
import type { Timeline } from './timeline';

export interface ChaosReport {
  label: string;
  startedAt: string;
  settings: Record<string, string | number>;
  faults: string[];
  settled: boolean;
  passed: boolean;
  wallSeconds: number;
  figures: Findings['figures'];
  checks: CheckResult[];
  timeline: string[];
}

export function buildReport(
  label: string,
  settings: ChaosReport['settings'],
  faults: string[],
  settled: boolean,
  findings: Findings,
  timeline: Timeline,
): ChaosReport {
  return {
    label,
    startedAt: new Date(timeline.startedAt).toISOString(),
    settings,
    faults,
    settled,
    passed: settled && findings.checks.every((c) => c.ok),
    wallSeconds: Math.round((Date.now() - timeline.startedAt) / 1000),
    figures: findings.figures,
    checks: findings.checks.map((c) => ({ ...c, evidence: c.evidence.slice(0, 200) })),
    timeline: timeline.entries.map((e) => `+${timeline.seconds(e.at)}s ${e.what} ${e.target}${e.detail ? ` (${e.detail})` : ''}`),
  };
}

export function renderMarkdown(report: ChaosReport, evidencePerCheck = 10): string {
  const rows = report.checks.map((c) => `| ${c.ok ? 'pass' : '**FAIL**'} | ${c.check} | ${c.target} | ${c.result.replace(/\|/g, '/')} |`);
  const evidence = report.checks
    .filter((c) => c.evidence.length > 0)
    .map((c) => {
      const shown = c.evidence.slice(0, evidencePerCheck).map((e) => `- ${e}`);
      const more = c.evidence.length > evidencePerCheck ? [`- … and ${c.evidence.length - evidencePerCheck} more (JSON report)`] : [];
      return [`**${c.check}**`, '', ...shown, ...more].join('\n');
    });
  return [
    `# Chaos run ${report.label}: ${report.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `${report.startedAt}, ${report.wallSeconds} s; ${Object.entries(report.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}; ` + `settled before the deadline: ${report.settled ? 'yes' : '**no**'}.`,
    '',
    'Faults (seconds after the load started): ' + report.faults.join('; ') + '.',
    '',
    '| | check | target | result |',
    '|---|---|---|---|',
    ...rows,
    '',
    Object.entries(report.figures)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' · '),
    '',
    ...(evidence.length ? ['## Evidence', '', evidence.join('\n\n'), ''] : []),
    '## Timeline',
    '',
    '```',
    ...report.timeline,
    '```',
    '',
  ].join('\n');
}

/** `<dir>/<time>-<label>.json` and `.md`; returns the markdown path. */
export function writeReport(report: ChaosReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${report.startedAt.replace(/[:.]/g, '-')}-${report.label}`);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${base}.md`, renderMarkdown(report));
  return `${base}.md`;
}
