// What a scraped sample's labels become before they reach storage, as Prometheus 2.42's
// mutateSampleLabels / mutateReportSampleLabels / verifyLabelLimits (scrape/scrape.go) do it:
// target labels merged per honor_labels (conflicts renamed `exported_<name>`, shortest name first),
// then metric_relabel_configs; validity and the label limits checked afterwards.

import { compareStrings, METRIC_NAME, type Label, type Labels } from '../model/labels.js';
import type { RelabelConfig } from '../relabel/config.js';
import { process } from '../relabel/process.js';
import { goQuote } from '../format/go-quote.js';

const EXPORTED_PREFIX = 'exported_';

export interface LabelLimits {
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
}

/** Labels of a scraped sample: exposed labels merged with the target's public labels, then metric relabeling (null: dropped). */
export function mutateSampleLabels(exposed: Labels, targetLabels: Labels, honorLabels: boolean, metricRelabel: readonly RelabelConfig[]): Labels | null {
  const merged = new Map<string, string>();
  for (const l of exposed) merged.set(l.name, l.value);
  if (honorLabels) {
    for (const l of targetLabels) if (!hasLabel(exposed, l.name)) merged.set(l.name, l.value);
  } else {
    const conflicts: Label[] = [];
    for (const l of targetLabels) {
      const existing = getNonEmpty(exposed, l.name);
      if (existing !== undefined) conflicts.push({ name: l.name, value: existing });
      merged.set(l.name, l.value);
    }
    // Stable sort by name length: the order Prometheus renames in.
    conflicts.sort((a, b) => a.name.length - b.name.length);
    for (const c of conflicts) {
      let name = c.name;
      for (;;) {
        name = EXPORTED_PREFIX + name;
        // merged holds every exposed and target label name and the names already given to conflicts.
        if (!merged.has(name)) break;
      }
      merged.set(name, c.value);
    }
  }
  const out = toLabels(merged);
  if (metricRelabel.length === 0) return out.length === 0 ? null : out;
  const relabeled = process(out, metricRelabel);
  return relabeled === null || relabeled.length === 0 ? null : relabeled;
}

/** Labels of a report series (`up`, `scrape_*`): the name plus the target's public labels; no relabeling. */
export function reportSampleLabels(name: string, targetLabels: Labels): Labels {
  const merged = new Map<string, string>([[METRIC_NAME, name]]);
  for (const l of targetLabels) merged.set(l.name, l.value);
  return toLabels(merged);
}

/** Sorted labels without empty values (the storage treats an empty value as absent). */
function toLabels(m: Map<string, string>): Labels {
  const out: Label[] = [];
  for (const [name, value] of m) if (value !== '') out.push({ name, value });
  out.sort((a, b) => compareStrings(a.name, b.name));
  return out;
}

function hasLabel(ls: Labels, name: string): boolean {
  for (const l of ls) if (l.name === name) return true;
  return false;
}

function getNonEmpty(ls: Labels, name: string): string | undefined {
  for (const l of ls) if (l.name === name && l.value !== '') return l.value;
  return undefined;
}

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** labels.IsValid: a valid metric name, valid label names, values that are valid UTF-8. */
export function labelsAreValid(ls: Labels): boolean {
  for (const l of ls) {
    if (l.name === METRIC_NAME) {
      if (!METRIC_NAME_RE.test(l.value)) return false;
    } else if (!LABEL_NAME_RE.test(l.name)) {
      return false;
    }
    if (hasLoneSurrogate(l.value)) return false;
  }
  return true;
}

/** Prometheus's text for a label set: `{__name__="up", job="x"}`. */
export function labelsString(ls: Labels): string {
  return `{${ls.map((l) => `${l.name}=${goQuote(l.value)}`).join(', ')}}`;
}

/** verifyLabelLimits: the message for the first limit exceeded, or undefined. Lengths are UTF-8 bytes. */
export function checkLabelLimits(ls: Labels, limits: LabelLimits): string | undefined {
  const met = truncate50(ls.find((l) => l.name === METRIC_NAME)?.value ?? '');
  if (limits.labelLimit > 0 && ls.length > limits.labelLimit) {
    return `label_limit exceeded (metric: ${met}, number of labels: ${ls.length}, limit: ${limits.labelLimit})`;
  }
  for (const l of ls) {
    const nameLength = Buffer.byteLength(l.name);
    if (limits.labelNameLengthLimit > 0 && nameLength > limits.labelNameLengthLimit) {
      return `label_name_length_limit exceeded (metric: ${met}, label name: ${truncate50(l.name)}, length: ${nameLength}, limit: ${limits.labelNameLengthLimit})`;
    }
    const valueLength = Buffer.byteLength(l.value);
    if (limits.labelValueLengthLimit > 0 && valueLength > limits.labelValueLengthLimit) {
      return `label_value_length_limit exceeded (metric: ${met}, label name: ${truncate50(l.name)}, value: ${goQuote(truncate50(l.value))}, length: ${valueLength}, limit: ${limits.labelValueLengthLimit})`;
    }
  }
  return undefined;
}

/** Go's %.50s: at most 50 characters (runes). */
function truncate50(s: string): string {
  const chars = Array.from(s);
  return chars.length <= 50 ? s : chars.slice(0, 50).join('');
}

/** A lone UTF-16 surrogate: the string has no valid UTF-8 form. */
function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
