import { findSecrets, masked } from './secret-scan';

describe('findSecrets', () => {
  const secrets = [
    { label: 'license value #1', value: 'KP-7f3a-91bc-22de' },
    { label: 'rejected line (U+200B)', value: 'ZW-aa\u200bbb-cc' },
  ];

  it('names the output and line of each appearance, and never prints the secret', () => {
    const findings = findSecrets(
      [
        { name: 'pool-service.log', text: 'started\n{"msg":"imported","value":"KP-7f3a-91bc-22de"}\n' },
        { name: 'cli stdout', text: 'nothing here' },
      ],
      secrets,
    );
    expect(findings).toEqual([`pool-service.log:2: license value #1 ${masked(secrets[0].value)} in: {"msg":"imported","value":"[license value #1]"}`]);
    expect(findings.join('\n')).not.toContain(secrets[0].value);
  });

  it('finds a value written with JSON escapes, as a JSON logger may write an invisible character', () => {
    const findings = findSecrets([{ name: 'log', text: '{"line":"ZW-aa\\u200bbb-cc"}' }], secrets);
    expect(findings).toEqual([expect.stringMatching(/^log:1: rejected line \(U\+200B\) /)]);
  });

  it('finds nothing in outputs free of secrets', () => {
    expect(findSecrets([{ name: 'metrics', text: 'keypool_events_consumed_total 3\n' }], secrets)).toEqual([]);
  });

  it('masks a value to its ends and length', () => {
    expect(masked('support-test-key')).toBe('su…ey (16 chars)');
    expect(masked('abc')).toBe('•••• (3 chars)');
  });
});
