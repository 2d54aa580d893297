// Target groups as discovery files and HTTP SD endpoints carry them, after Prometheus 2.42's
// discovery/targetgroup: `[{"targets": ["host:port", ...], "labels": {"name": "value"}}, ...]`.

import { compareStrings, type Label, type Labels } from '../model/labels.js';
import { ADDRESS_LABEL, type TargetGroup } from '../relabel/target.js';
import { goQuote } from '../format/go-quote.js';

export type { TargetGroup };

export class TargetGroupError extends Error {
  override readonly name = 'TargetGroupError';
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Validates decoded JSON or YAML (an array of groups) and gives each group its source and the extra
 * labels (`__meta_filepath`, `__meta_url`). Throws TargetGroupError with what is wrong.
 */
export function decodeTargetGroups(data: unknown, source: (i: number) => string, extra: Labels): TargetGroup[] {
  if (!Array.isArray(data)) throw new TargetGroupError('target groups must be a list');
  return data.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new TargetGroupError(item === null ? 'nil target group item found' : `target group ${i} is not an object`);
    }
    const { targets = [], labels = {} } = item as { targets?: unknown; labels?: unknown };
    if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string')) {
      throw new TargetGroupError(`target group ${i}: targets must be a list of strings`);
    }
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
      throw new TargetGroupError(`target group ${i}: labels must be a map`);
    }
    const groupLabels: Label[] = [];
    for (const [name, value] of Object.entries(labels as Record<string, unknown>)) {
      if (!LABEL_NAME_RE.test(name)) throw new TargetGroupError(`${goQuote(name)} is not a valid label name`);
      if (typeof value !== 'string') throw new TargetGroupError(`target group ${i}: value of label ${goQuote(name)} is not a string`);
      groupLabels.push({ name, value });
    }
    for (const l of extra) if (!groupLabels.some((g) => g.name === l.name)) groupLabels.push(l);
    groupLabels.sort((a, b) => compareStrings(a.name, b.name));
    return {
      targets: (targets as string[]).map((t) => [{ name: ADDRESS_LABEL, value: t }]),
      labels: groupLabels,
      source: source(i),
    };
  });
}
