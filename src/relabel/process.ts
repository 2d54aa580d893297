// Applying relabel steps to a label set, as Prometheus 2.42's relabel.Process: the steps run in order,
// each on the previous one's result; keep/drop/keepequal/dropequal that reject end it at once. Setting a
// label to "" deletes it (an empty value is the same as no label), and the result is sorted by name.
// Label sets are immutable sorted arrays; a step that changes nothing returns its input unchanged.

import { createHash } from 'node:crypto';
import { compareStrings, type Label, type Labels } from '../model/labels.js';
import { isValidLabelName, type RelabelConfig } from './config.js';
import { goToLower, goToUpper } from './go-case.js';

/**
 * Relabels `labels` with `configs`. Returns the new label set, or null when a keep/drop step dropped
 * it. (An empty set that was not dropped is returned as []; callers that scrape treat both alike.)
 */
export function process(labels: Labels, configs: readonly RelabelConfig[]): Labels | null {
  if (configs.length === 0) return labels;
  let ls = withoutEmptyValues(labels);
  for (const cfg of configs) {
    const next = relabelStep(ls, cfg);
    if (next === null) return null;
    ls = next;
  }
  return ls;
}

/** One step; null when the label set is dropped. */
export function relabelStep(ls: Labels, cfg: RelabelConfig): Labels | null {
  const value = sourceValue(ls, cfg);
  switch (cfg.action) {
    case 'drop':
      return cfg.regex.matches(value) ? null : ls;
    case 'keep':
      return cfg.regex.matches(value) ? ls : null;
    case 'dropequal':
      return (getValue(ls, cfg.targetLabel) ?? '') === value ? null : ls;
    case 'keepequal':
      return (getValue(ls, cfg.targetLabel) ?? '') === value ? ls : null;
    case 'replace':
      return replace(ls, cfg, value);
    case 'lowercase':
      return setLabel(ls, cfg.targetLabel, goToLower(value));
    case 'uppercase':
      return setLabel(ls, cfg.targetLabel, goToUpper(value));
    case 'hashmod':
      return setLabel(ls, cfg.targetLabel, (md5Tail64(value) % cfg.modulus).toString());
    case 'labelmap':
      return labelMap(ls, cfg);
    case 'labeldrop':
      return keepWhere(ls, (name) => !cfg.regex.matches(name));
    case 'labelkeep':
      return keepWhere(ls, (name) => cfg.regex.matches(name));
  }
}

function sourceValue(ls: Labels, cfg: RelabelConfig): string {
  const names = cfg.sourceLabels;
  if (names.length === 1) return getValue(ls, names[0]!) ?? '';
  let value = '';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) value += cfg.separator;
    value += getValue(ls, names[i]!) ?? '';
  }
  return value;
}

function replace(ls: Labels, cfg: RelabelConfig, value: string): Labels {
  const match = cfg.regex.submatchIndexes(value);
  if (match === null) return ls;
  const target = cfg.regex.expand(cfg.targetLabel, value, match);
  // An expanded name that is not a label name deletes the label named by the unexpanded text.
  if (!isValidLabelName(target)) return setLabel(ls, cfg.targetLabel, '');
  const result = cfg.regex.expand(cfg.replacement, value, match);
  return setLabel(ls, result === '' ? cfg.targetLabel : target, result);
}

function labelMap(ls: Labels, cfg: RelabelConfig): Labels {
  let out = ls;
  for (const l of ls) {
    if (cfg.regex.matches(l.name)) out = setLabel(out, cfg.regex.replaceAll(l.name, cfg.replacement), l.value);
  }
  return out;
}

/**
 * MD5 of the value; the hash is the last 8 bytes read as a big-endian uint64. (Prometheus's sum64 shifts
 * all 16 bytes into a uint64; Go shifts of 64 bits or more give 0, so the first 8 bytes drop out.)
 */
export function md5Tail64(value: string): bigint {
  const digest = createHash('md5').update(value, 'utf8').digest();
  return digest.readBigUInt64BE(8);
}

// ---------------------------------------------------------------------------------------------------
// Sorted label-set edits.

/** The labels whose names pass `keep`; the input itself when all do. */
function keepWhere(ls: Labels, keep: (name: string) => boolean): Labels {
  for (let i = 0; i < ls.length; i++) {
    if (!keep(ls[i]!.name)) return ls.filter((l, j) => j < i || (j > i && keep(l.name)));
  }
  return ls;
}

function withoutEmptyValues(ls: Labels): Labels {
  for (const l of ls) if (l.value === '') return ls.filter((x) => x.value !== '');
  return ls;
}

/** The value of `name`, or undefined. Label sets are small, so a scan beats a search. */
export function getValue(ls: Labels, name: string): string | undefined {
  for (let i = 0; i < ls.length; i++) if (ls[i]!.name === name) return ls[i]!.value;
  return undefined;
}

/** Sets `name` to `value` (deleting it when `value` is ""), keeping the set sorted; unchanged input is returned as is. */
export function setLabel(ls: Labels, name: string, value: string): Labels {
  let lo = 0;
  let hi = ls.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareStrings(ls[mid]!.name, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  const present = lo < ls.length && ls[lo]!.name === name;
  if (value === '') {
    if (!present) return ls;
    return [...ls.slice(0, lo), ...ls.slice(lo + 1)];
  }
  if (present && ls[lo]!.value === value) return ls;
  const label: Label = { name, value };
  return [...ls.slice(0, lo), label, ...ls.slice(present ? lo + 1 : lo)];
}
