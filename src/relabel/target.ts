// From discovered target labels to a scrape target's labels, as Prometheus 2.42's scrape.PopulateLabels
// and TargetsFromGroup (scrape/target.go): scrape defaults where the target lacks them, `__param_*`,
// target relabeling, the default port, checks of address, interval and timeout, `__meta_*` removed and
// `instance` defaulted. The result keeps the `__` labels (`__address__`, `__scheme__`, ...) that the
// scraper reads; labels not starting with `__` are the ones attached to samples.

import { formatDuration, parseDuration, DurationError } from '../model/duration.js';
import { compareStrings, type Label, type Labels } from '../model/labels.js';
import { goQuote } from '../format/go-quote.js';
import type { RelabelConfig } from './config.js';
import { getValue, process, setLabel } from './process.js';

export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_LABEL_PREFIX = '__param_';
export const META_LABEL_PREFIX = '__meta_';
export const JOB_LABEL = 'job';
export const INSTANCE_LABEL = 'instance';

/** What target labeling needs from a scrape configuration (ScrapeConfig satisfies it). */
export interface TargetLabelingSettings {
  readonly jobName: string;
  readonly scrapeIntervalMs: number;
  readonly scrapeTimeoutMs: number;
  readonly metricsPath: string;
  readonly scheme: string;
  /** URL query parameters (url.Values); the first value of each becomes `__param_<name>`. */
  readonly params: Readonly<Record<string, readonly string[]>>;
  readonly relabelConfigs: readonly RelabelConfig[];
}

/** A target that Prometheus refuses (the error text is Prometheus's). */
export class TargetLabelError extends Error {
  override readonly name = 'TargetLabelError';
}

export interface PopulatedLabels {
  /** The target's labels after relabeling and defaults; empty when relabeling dropped the target. */
  readonly labels: Labels;
  /** The labels relabeling started from (shown for dropped targets). */
  readonly discoveredLabels: Labels;
}

/**
 * PopulateLabels: throws TargetLabelError for a target Prometheus discards; `noDefaultPort` is the
 * no-default-scrape-port feature flag.
 */
export function populateTargetLabels(discovered: Labels, cfg: TargetLabelingSettings, noDefaultPort = false): PopulatedLabels {
  let ls = discovered;
  const defaults: Label[] = [
    { name: JOB_LABEL, value: cfg.jobName },
    { name: SCRAPE_INTERVAL_LABEL, value: formatDuration(cfg.scrapeIntervalMs) },
    { name: SCRAPE_TIMEOUT_LABEL, value: formatDuration(cfg.scrapeTimeoutMs) },
    { name: METRICS_PATH_LABEL, value: cfg.metricsPath },
    { name: SCHEME_LABEL, value: cfg.scheme },
  ];
  for (const d of defaults) if ((getValue(discovered, d.name) ?? '') === '') ls = setLabel(ls, d.name, d.value);
  for (const [name, values] of Object.entries(cfg.params)) {
    if (values.length > 0) ls = setLabel(ls, PARAM_LABEL_PREFIX + name, values[0]!);
  }
  const discoveredLabels = ls.filter((l) => l.value !== '');

  const relabeled = process(discoveredLabels, cfg.relabelConfigs);
  if (relabeled === null) return { labels: [], discoveredLabels };
  ls = relabeled;
  let addr = getValue(ls, ADDRESS_LABEL) ?? '';
  if (addr === '') throw new TargetLabelError('no address');

  const scheme = getValue(ls, SCHEME_LABEL) ?? '';
  const split = splitHostPort(addr);
  let out = ls;
  if (!noDefaultPort && split === undefined && splitHostPort(addr + ':1234') !== undefined) {
    // Addresses reaching this point are already wrapped in [] if necessary.
    if (scheme === 'http' || scheme === '') addr += ':80';
    else if (scheme === 'https') addr += ':443';
    else throw new TargetLabelError(`invalid scheme: ${goQuote(cfg.scheme)}`);
    out = setLabel(out, ADDRESS_LABEL, addr);
  }
  if (noDefaultPort && split !== undefined) {
    if ((split.port === '80' && scheme === 'http') || (split.port === '443' && scheme === 'https')) {
      out = setLabel(out, ADDRESS_LABEL, split.host);
    }
  }
  checkTargetAddress(addr);

  const interval = getValue(ls, SCRAPE_INTERVAL_LABEL) ?? '';
  const intervalMs = parseLabelDuration(interval, 'error parsing scrape interval');
  if (intervalMs === 0) throw new TargetLabelError('scrape interval cannot be 0');
  const timeout = getValue(ls, SCRAPE_TIMEOUT_LABEL) ?? '';
  const timeoutMs = parseLabelDuration(timeout, 'error parsing scrape timeout');
  if (timeoutMs === 0) throw new TargetLabelError('scrape timeout cannot be 0');
  if (timeoutMs > intervalMs) {
    throw new TargetLabelError(`scrape timeout cannot be greater than scrape interval (${goQuote(timeout)} > ${goQuote(interval)})`);
  }

  out = out.filter((l) => !l.name.startsWith(META_LABEL_PREFIX));
  if ((getValue(ls, INSTANCE_LABEL) ?? '') === '') out = setLabel(out, INSTANCE_LABEL, addr);
  for (const l of out) {
    if (!isWellFormedUnicode(l.value)) throw new TargetLabelError(`invalid label value for ${goQuote(l.name)}: ${goQuote(l.value)}`);
  }
  return { labels: out, discoveredLabels };
}

/** A target group as service discovery delivers it. */
export interface TargetGroup {
  /** One label set per target (static configs: just `__address__`). */
  readonly targets: readonly Labels[];
  /** Labels common to the group; a target's own labels win. */
  readonly labels: Labels;
  /** Identifies the group within its discovery (static configs: "0", "1", ...). */
  readonly source: string;
}

export interface GroupTargets {
  /** Targets kept or dropped by relabeling (a dropped one has empty `labels`). */
  readonly targets: readonly PopulatedLabels[];
  /** Targets Prometheus discards, with its message (`instance 0 in group 0: no address`). */
  readonly failures: readonly TargetLabelError[];
}

/** TargetsFromGroup: every target of a group through populateTargetLabels. */
export function targetsFromGroup(group: TargetGroup, cfg: TargetLabelingSettings, noDefaultPort = false): GroupTargets {
  const targets: PopulatedLabels[] = [];
  const failures: TargetLabelError[] = [];
  group.targets.forEach((own, i) => {
    const merged: Label[] = [...own];
    for (const l of group.labels) if (getValue(own, l.name) === undefined) merged.push(l);
    merged.sort((a, b) => compareStrings(a.name, b.name));
    try {
      targets.push(populateTargetLabels(merged, cfg, noDefaultPort));
    } catch (err) {
      if (!(err instanceof TargetLabelError)) throw err;
      failures.push(new TargetLabelError(`instance ${i} in group ${group.source}: ${err.message}`));
    }
  });
  return { targets, failures };
}

/** config.CheckTargetAddress: a URL where a host was expected. */
export function checkTargetAddress(address: string): void {
  if (address.includes('/')) throw new TargetLabelError(`${goQuote(address)} is not a valid hostname`);
}

function parseLabelDuration(text: string, what: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    if (err instanceof DurationError) throw new TargetLabelError(`${what}: ${err.message}`);
    throw err;
  }
}

/** Go's net.SplitHostPort; undefined where Go returns an error. */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return undefined;
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0 || end + 1 === hostport.length || end + 1 !== i) return undefined;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return undefined;
  }
  if (hostport.indexOf('[', j) >= 0 || hostport.indexOf(']', k) >= 0) return undefined;
  return { host, port: hostport.slice(i + 1) };
}

/** Whether the string is valid Unicode (no lone surrogates), i.e. encodes as valid UTF-8. */
function isWellFormedUnicode(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c >= 0xe000) continue;
    if (c >= 0xdc00) return false;
    const next = s.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next < 0xe000)) return false;
    i++;
  }
  return true;
}
