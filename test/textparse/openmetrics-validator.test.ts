// The strict OpenMetrics rules beyond the conformance suite's cases, one per rule, each with a passing twin.

import { describe, expect, it } from 'vitest';
import { TextParseError } from '../../src/textparse/index.js';
import { validateOpenMetrics } from '../../src/textparse/openmetrics-validator.js';
import { fixtureBody } from './helpers.js';

function verdict(body: string): string {
  try {
    validateOpenMetrics(Buffer.from(body));
    return 'ok';
  } catch (e) {
    if (!(e instanceof TextParseError)) throw e;
    return e.reason;
  }
}

describe('strict OpenMetrics validation', () => {
  it.each([
    ['# TYPE a counter\na_total 1\na_created 2\n# EOF\n', 'ok'],
    ['# TYPE a counter\na_total 1\n# TYPE a_total gauge\n# EOF\n', 'metric family a_total clashes with an earlier family over the name a_total'],
    ['a 1\nb 1\na 2\n# EOF\n', 'metric family a clashes with an earlier family over the name a'],
    ['a 1 1\na 2 2\n# EOF\n', 'ok'],
    ['a 1 1\na 2 1\n# EOF\n', 'ok'],
    ['a 1\na 2\n# EOF\n', 'the same series twice without timestamps'],
    ['a{x="1"} 1\na{x="2"} 2\n# EOF\n', 'ok'],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count{le="1"} 1\nh_sum 1\n# EOF\n', 'histogram sample h_count cannot have an le label'],
    ['# TYPE s summary\ns_sum{quantile="0.5"} 1\n# EOF\n', 'summary sample s_sum cannot have a quantile label'],
    ['g_bucket{le="1"} 1\n# EOF\n', 'ok'],
    ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1 # {} 5\nh_count 1\nh_sum 5\n# EOF\n', 'ok'],
    ['# TYPE h histogram\nh_bucket{le="0.5"} 1 # {} 0.6\nh_bucket{le="+Inf"} 1\n# EOF\n', "exemplar value 0.6 is above its bucket's le 0.5"],
    ['# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\n# EOF\n', 'histogram buckets are not in increasing le order'],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 1 1\nh_bucket{le="+Inf"} 2 2\n# EOF\n', 'ok'],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 1.5\n# EOF\n', 'h_bucket must be an integer'],
    ['# TYPE h histogram\nh_bucket{le="NaN"} 1\n# EOF\n', 'label le cannot be NaN'],
    ['# TYPE h histogram\nh_bucket{le="Inf"} 1\n# EOF\n', 'label le must spell infinity "+Inf"'],
    [`a_total 1 # {a="${'x'.repeat(126)}"} 1\n# TYPE a counter\n# EOF\n`, 'exemplars are only allowed on counter totals and histogram buckets, not on a_total'],
    [`# TYPE a counter\na_total 1 # {a="${'\\\\'.repeat(127)}"} 1\n# EOF\n`, 'ok'],
    [`# TYPE a counter\na_total 1 # {a="${'é'.repeat(128)}"} 1\n# EOF\n`, 'exemplar labels have 129 characters, more than 128'],
    ['# TYPE s stateset\ns{s="a"} 1\ns{s="b"} 0\n# EOF\n', 'ok'],
    ['# TYPE s stateset\ns{t="a"} 1\n# EOF\n', 'stateset sample without the label s'],
    ['# TYPE i info\ni_info{a="1"} 1 2\ni_info{a="2"} 1 1\n# EOF\n', 'ok'],
    ['# HELP a x\n# UNIT a_b b\n# EOF\n', 'ok'],
    ['# TYPE a counter\n# TYPE a counter\n# EOF\n', 'second TYPE line for a'],
    ['a{x="1",x="2"} 1\n# EOF\n', 'duplicate label name x'],
  ])('%j: %s', (body, want) => {
    expect(verdict(body)).toBe(want);
  });

  it('reports where a family-level problem starts', () => {
    try {
      validateOpenMetrics(Buffer.from('a 1\n# TYPE h histogram\n# HELP h x\nh_sum 1\n# EOF\n'));
      expect.unreachable();
    } catch (e) {
      expect((e as TextParseError).message).toBe('histogram h has no +Inf bucket (line 4, column 1)');
    }
  });

  it('refuses the expfmt OpenMetrics fixtures (they repeat a family name) with a position', () => {
    // expfmt 0.39 writes a gauge go_memstats_alloc_bytes and then a counter of the same family name.
    for (const target of ['node-exporter', 'prometheus']) {
      expect(() => validateOpenMetrics(fixtureBody(`${target}/protobuf-as-openmetrics.txt.gz`))).toThrow(
        'metadata for go_memstats_alloc_bytes after its samples (line 19, column 1)',
      );
    }
  });
});
