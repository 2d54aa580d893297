// `<relabel_config>` entries (relabel_configs, metric_relabel_configs, write_relabel_configs,
// alert_relabel_configs) decoded as relabel.Config.UnmarshalYAML does: defaults first, the fields in
// document order (a bad action or regex stops at once), then the checks of validateRelabelDraft.

import { defaultRelabelDraft, parseRelabelAction, RelabelConfigError, validateRelabelDraft, type RelabelConfig } from '../relabel/config.js';
import { AnchoredRegexp, RegexpError } from '../relabel/regexp.js';
import { BAD, type Decoded, type FieldHandler, type YamlNode } from './yaml-decode.js';
import { assign, labelNameValue, type DecodeContext } from './decode-values.js';

/** One entry, or null for a null entry (the caller decides what a null entry means). */
export interface RelabelEntry {
  readonly config: RelabelConfig | null;
  readonly node: YamlNode;
  readonly path: string;
}

/** A `[]*relabel.Config` list. */
export function decodeRelabelList(ctx: DecodeContext, node: YamlNode, path: string): Decoded<RelabelEntry[]> {
  return ctx.dec.sequence(node, path, '[]*relabel.Config', (item, p) => {
    if (ctx.dec.isNull(item, p)) return { config: null, node: item, path: p };
    const config = decodeRelabelConfig(ctx, item, p);
    return config === BAD ? BAD : { config, node: item, path: p };
  });
}

/** The configs of a list whose null entries have been refused with `nullMessage`. */
export function relabelConfigsOf(ctx: DecodeContext, entries: readonly RelabelEntry[], nullMessage: string): readonly RelabelConfig[] {
  for (const e of entries) if (e.config === null) ctx.dec.fail(e.node, e.path, nullMessage);
  return Object.freeze(entries.map((e) => e.config!));
}

function decodeRelabelConfig(ctx: DecodeContext, node: YamlNode, path: string): Decoded<RelabelConfig> {
  const { dec } = ctx;
  const before = dec.mismatches.length;
  const d = defaultRelabelDraft();
  let regexGiven = false;
  dec.struct(node, path, 'relabel.plain', new Map<string, FieldHandler>([
    ['source_labels', (v, p) => {
      if (dec.isNull(v, p)) return void (d.sourceLabels = null);
      assign(d, 'sourceLabels', dec.sequence(v, p, 'model.LabelNames', (n, q) => labelNameValue(dec, n, q)));
    }],
    ['separator', (v, p) => assign(d, 'separator', dec.string(v, p))],
    ['regex', (v, p) => {
      regexGiven = true;
      if (dec.isNull(v, p)) return void (d.regex = null);
      const text = dec.string(v, p);
      if (text === BAD) return;
      try {
        d.regex = AnchoredRegexp.compile(text);
      } catch (err) {
        if (err instanceof RegexpError) dec.fail(v, p, err.message);
        throw err;
      }
    }],
    ['modulus', (v, p) => assign(d, 'modulus', dec.integer(v, p, 'uint64'))],
    ['target_label', (v, p) => assign(d, 'targetLabel', dec.string(v, p))],
    ['replacement', (v, p) => assign(d, 'replacement', dec.string(v, p))],
    ['action', (v, p) => {
      if (dec.isNull(v, p)) return void (d.action = '');
      const text = dec.string(v, p);
      if (text === BAD) return;
      try {
        d.action = parseRelabelAction(text);
      } catch (err) {
        if (err instanceof RelabelConfigError) dec.fail(v, p, err.message);
        throw err;
      }
    }],
  ]));
  if (dec.mismatches.length > before) return BAD;
  // A null regex is Go's nil Regexp, which Prometheus replaces by an explicit empty one.
  if (regexGiven && d.regex === null) d.regex = AnchoredRegexp.compile('');
  try {
    return validateRelabelDraft(d);
  } catch (err) {
    if (err instanceof RelabelConfigError) dec.fail(node, path, err.message);
    throw err;
  }
}
