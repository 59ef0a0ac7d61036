import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exposedMetricNames, metricNamesIn, ruleExpressions } from './metric-names';

describe('metricNamesIn', () => {
  it('finds the metrics inside functions, aggregations and vector matching, and nothing else', () => {
    const expr = `min by (pool_id, mode) (keypool_pool_licenses{status="available"}) < on (pool_id, mode) max by (pool_id, mode) (keypool_pool_threshold)
      and histogram_quantile(0.95, sum by (le) (rate(keypool_handler_seconds_bucket{consumer=~"a|b"}[5m]))) > 0.5`;
    expect(metricNamesIn(expr).sort()).toEqual(['keypool_handler_seconds_bucket', 'keypool_pool_licenses', 'keypool_pool_threshold']);
  });

  it('takes no unit of a number or a duration for a name', () => {
    expect(metricNamesIn('a_total offset 5m > 1e3')).toEqual(['a_total']);
  });

  it('reports a function it does not know as a name, so an unknown word never passes unchecked', () => {
    expect(metricNamesIn('present_over_time(up[5m])')).toEqual(['present_over_time', 'up']);
  });
});

describe('ruleExpressions', () => {
  it('reads inline and block expressions, one per alert', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(
      file,
      ['rules:', '  - alert: A', '    expr: a_total > 0', '  - alert: B', '    expr: |', '      b_x', '        > on (x) c_y', '    for: 1m', ''].join('\n'),
    );
    expect(ruleExpressions(file)).toEqual([
      { alert: 'A', expr: 'a_total > 0' },
      { alert: 'B', expr: 'b_x\n        > on (x) c_y' },
    ]);
  });
});

describe('exposedMetricNames', () => {
  it('declares a histogram with its bucket, sum and count series', () => {
    const names = exposedMetricNames('# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE c_total counter\n');
    expect([...names].sort()).toEqual(['c_total', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});
