// A `<relabel_config>` as Prometheus 2.42 defines it (model/relabel/relabel.go): the fields with their
// defaults, the actions, and the checks made when a configuration is loaded, with Prometheus's words.

import { goQuote } from '../format/go-quote.js';
import { AnchoredRegexp } from './regexp.js';

export const RELABEL_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;

export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

/** A validated relabeling step. Build one with `newRelabelConfig` or load it from YAML. */
export interface RelabelConfig {
  /** Labels whose values are joined with `separator` into the step's input value. */
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** Fully anchored; `regex.source` is the text as written. */
  readonly regex: AnchoredRegexp;
  /** For hashmod; a uint64. */
  readonly modulus: bigint;
  readonly targetLabel: string;
  readonly replacement: string;
  readonly action: RelabelAction;
}

export const DEFAULT_SEPARATOR = ';';
export const DEFAULT_REGEX_SOURCE = '(.*)';
export const DEFAULT_REPLACEMENT = '$1';

/** The regex of every step that does not set one (shared: "was regex given?" is an identity test). */
export const DEFAULT_REGEX: AnchoredRegexp = AnchoredRegexp.compile(DEFAULT_REGEX_SOURCE);

/** A configuration Prometheus refuses; the message is Prometheus's. */
export class RelabelConfigError extends Error {
  override readonly name = 'RelabelConfigError';
}

/**
 * A relabel step as read, before the checks. `sourceLabels: null` is "not given" (which labeldrop and
 * labelkeep require; an empty list counts as given), `regex: null` is "not given" (the default), and
 * an action of "" is an explicitly empty one.
 */
export interface RelabelDraft {
  sourceLabels: readonly string[] | null;
  separator: string;
  regex: AnchoredRegexp | null;
  modulus: bigint;
  targetLabel: string;
  replacement: string;
  action: RelabelAction | '';
}

export function defaultRelabelDraft(): RelabelDraft {
  return {
    sourceLabels: null,
    separator: DEFAULT_SEPARATOR,
    regex: null,
    modulus: 0n,
    targetLabel: '',
    replacement: DEFAULT_REPLACEMENT,
    action: 'replace',
  };
}

/** Reads an action name case-insensitively, as Action.UnmarshalYAML does. */
export function parseRelabelAction(text: string): RelabelAction {
  const lower = text.toLowerCase();
  const action = RELABEL_ACTIONS.find((a) => a === lower);
  if (action === undefined) throw new RelabelConfigError(`unknown relabel action ${goQuote(text)}`);
  return action;
}

// A label name that may contain `$1` / `${name}` references (relabelTarget in relabel.go).
const TEMPLATED_LABEL_NAME = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Prometheus's model.LabelName.IsValid (2.x: ASCII letters, digits, `_`; no leading digit). */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

const NEEDS_TARGET: ReadonlySet<string> = new Set(['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal']);
const TEMPLATED_TARGET: ReadonlySet<string> = new Set(['replace', 'lowercase', 'uppercase', 'keepequal', 'dropequal']);
const NO_REPLACEMENT: ReadonlySet<string> = new Set(['lowercase', 'uppercase', 'keepequal', 'dropequal']);

/** Applies Prometheus's load-time checks (in its order) and freezes the step. */
export function validateRelabelDraft(d: RelabelDraft): RelabelConfig {
  const action = d.action;
  if (action === '') throw new RelabelConfigError('relabel action cannot be empty');
  if (d.modulus === 0n && action === 'hashmod') {
    throw new RelabelConfigError('relabel configuration for hashmod requires non-zero modulus');
  }
  if (NEEDS_TARGET.has(action) && d.targetLabel === '') {
    throw new RelabelConfigError(`relabel configuration for ${action} action requires 'target_label' value`);
  }
  if (TEMPLATED_TARGET.has(action) && !TEMPLATED_LABEL_NAME.test(d.targetLabel)) {
    throw new RelabelConfigError(`${goQuote(d.targetLabel)} is invalid 'target_label' for ${action} action`);
  }
  if (NO_REPLACEMENT.has(action) && d.replacement !== DEFAULT_REPLACEMENT) {
    throw new RelabelConfigError(`'replacement' can not be set for ${action} action`);
  }
  if (action === 'labelmap' && !TEMPLATED_LABEL_NAME.test(d.replacement)) {
    throw new RelabelConfigError(`${goQuote(d.replacement)} is invalid 'replacement' for ${action} action`);
  }
  if (action === 'hashmod' && !isValidLabelName(d.targetLabel)) {
    throw new RelabelConfigError(`${goQuote(d.targetLabel)} is invalid 'target_label' for ${action} action`);
  }
  if (action === 'keepequal' || action === 'dropequal') {
    if (d.regex !== null || d.modulus !== 0n || d.separator !== DEFAULT_SEPARATOR || d.replacement !== DEFAULT_REPLACEMENT) {
      throw new RelabelConfigError(`${action} action requires only 'source_labels' and \`target_label\`, and no other fields`);
    }
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    if (d.sourceLabels !== null || d.targetLabel !== '' || d.modulus !== 0n || d.separator !== DEFAULT_SEPARATOR || d.replacement !== DEFAULT_REPLACEMENT) {
      throw new RelabelConfigError(`${action} action requires only 'regex', and no other fields`);
    }
  }
  return Object.freeze({
    sourceLabels: Object.freeze([...(d.sourceLabels ?? [])]),
    separator: d.separator,
    regex: d.regex ?? DEFAULT_REGEX,
    modulus: d.modulus,
    targetLabel: d.targetLabel,
    replacement: d.replacement,
    action,
  });
}

/** The fields of a relabel step for programmatic use, named as in YAML; omitted fields take their defaults. */
export interface RelabelConfigInput {
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly modulus?: number | bigint;
  readonly target_label?: string;
  readonly replacement?: string;
  readonly action?: string;
}

/** Builds and validates a relabel step; throws RelabelConfigError / RegexpError with Prometheus's messages. */
export function newRelabelConfig(input: RelabelConfigInput): RelabelConfig {
  const d = defaultRelabelDraft();
  if (input.source_labels !== undefined) {
    for (const name of input.source_labels) {
      if (!isValidLabelName(name)) throw new RelabelConfigError(`${goQuote(name)} is not a valid label name`);
    }
    d.sourceLabels = input.source_labels;
  }
  if (input.separator !== undefined) d.separator = input.separator;
  if (input.regex !== undefined) d.regex = AnchoredRegexp.compile(input.regex);
  if (input.modulus !== undefined) {
    const m = BigInt(input.modulus);
    if (m < 0n || m >= 1n << 64n) throw new RelabelConfigError(`modulus ${m} is not a uint64`);
    d.modulus = m;
  }
  if (input.target_label !== undefined) d.targetLabel = input.target_label;
  if (input.replacement !== undefined) d.replacement = input.replacement;
  if (input.action !== undefined) d.action = parseRelabelAction(input.action);
  return validateRelabelDraft(d);
}
