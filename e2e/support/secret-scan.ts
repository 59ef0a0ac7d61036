/** A value that must never appear in an output; `label` says which kind it is without saying what it is. */
export interface Secret {
  label: string;
  value: string;
}

/** Some captured output: a log file, a CLI's stdout, an HTTP error body, a metrics scrape. */
export interface Scanned {
  name: string;
  text: string;
}

/** A secret as it is written down: the value itself, and as it reads inside a JSON string (a log line, an error body). */
function spellingsOf(secret: Secret): string[] {
  const inJson = JSON.stringify(secret.value).slice(1, -1);
  const asciiJson = inJson.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [...new Set([secret.value, inJson, asciiJson])];
}

/** Enough to tell two secrets apart in a report, too little to use one: `su…ey (16 chars)`. */
export function masked(value: string): string {
  return value.length < 8 ? `•••• (${value.length} chars)` : `${value.slice(0, 2)}…${value.slice(-2)} (${value.length} chars)`;
}

/**
 * Every place a secret appears in the scanned outputs, as `<output>:<line>: <label> <masked>`
 * followed by the line with every secret in it replaced by its label: where, never what.
 */
export function findSecrets(outputs: Scanned[], secrets: Secret[]): string[] {
  const spellings = secrets.flatMap((secret) => spellingsOf(secret).map((spelling) => ({ secret, spelling })));
  const hide = (line: string) => spellings.reduce((text, { secret, spelling }) => text.split(spelling).join(`[${secret.label}]`), line);
  const findings: string[] = [];
  for (const output of outputs) {
    output.text.split('\n').forEach((line, index) => {
      const found = new Set(spellings.filter(({ spelling }) => line.includes(spelling)).map(({ secret }) => secret));
      for (const secret of found) findings.push(`${output.name}:${index + 1}: ${secret.label} ${masked(secret.value)} in: ${hide(line).slice(0, 400)}`);
    });
  }
  return findings;
}
