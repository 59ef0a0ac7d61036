import type { ErrorObject } from 'ajv';
import { problemOf } from './describe-problem';

// Enough to fix a message; a thousand-line order with every line broken would
// otherwise produce a DLQ header nobody reads.
const MAX_MESSAGES = 20;

/**
 * Turns ajv errors (collected with allErrors + verbose) into messages that name
 * the field as a path under `root`, e.g. `data.items[0].quantity: must be an integer >= 1, got 0`.
 * `wholeName` names the validated value itself when the problem is at its top.
 */
export function formatSchemaErrors(errors: readonly ErrorObject[], root: string, wholeName = root): string[] {
  const problems = withoutRedundantTypes(collapseUnions(errors));
  const messages = [...new Set(problems.map((e) => `${pathOf(e, root) || wholeName}: ${problemOf(e)}`))];
  if (messages.length <= MAX_MESSAGES) return messages;
  return [...messages.slice(0, MAX_MESSAGES), `…and ${messages.length - MAX_MESSAGES} more problems`];
}

// ajv reports a failed `X or null` as one error per branch plus an anyOf error.
// If some branch failed for a reason other than the value's type, the value had
// the right kind and that reason is the real problem; otherwise we say which
// kinds would have been accepted.
function collapseUnions(errors: readonly ErrorObject[]): ErrorObject[] {
  const union = errors.find((e) => e.keyword === 'anyOf');
  if (!union) return [...errors];
  const inUnion = (e: ErrorObject) => e === union || e.schemaPath.startsWith(`${union.schemaPath}/`);
  const branches = errors.filter((e) => e !== union && inUnion(e));
  const specific = branches.filter((e) => e.keyword !== 'type' || e.instancePath !== union.instancePath);
  const replacement = specific.length > 0 ? specific : [{ ...union, keyword: 'type', parentSchema: { anyOf: branches.map((e) => e.parentSchema) } }];
  const first = errors.findIndex(inUnion);
  return collapseUnions(errors.flatMap((e, i) => (i === first ? replacement : inUnion(e) ? [] : [e])));
}

// "must be \"1.0\"" already says what type is wanted; a second message would be noise.
function withoutRedundantTypes(errors: ErrorObject[]): ErrorObject[] {
  const listed = new Set(errors.filter((e) => e.keyword === 'const' || e.keyword === 'enum').map((e) => e.instancePath));
  return errors.filter((e) => e.keyword !== 'type' || !listed.has(e.instancePath));
}

function pathOf(error: ErrorObject, root: string): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  return segments.reduce((path, segment) => {
    if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(segment)) return path ? `${path}.${segment}` : segment;
    return `${path}[${JSON.stringify(segment)}]`;
  }, root);
}
