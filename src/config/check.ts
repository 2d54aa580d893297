// What `promtool check config` checks beyond loading (cmd/promtool/main.go, 2.42): rule files and
// credential, certificate and key files exist; certificates come with keys; every static and file_sd
// target survives target relabeling (scrape.TargetsFromGroup, notifier.AlertmanagerFromGroup); agent
// mode refuses alerting, rules and remote read. Messages are promtool's.

import { readFileSync, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { goQuote } from '../format/go-quote.js';
import { compareStrings, type Label, type Labels } from '../model/labels.js';
import { isValidLabelName } from '../relabel/config.js';
import { process } from '../relabel/process.js';
import { ADDRESS_LABEL, checkTargetAddress, SCHEME_LABEL, TargetLabelError, targetsFromGroup, type TargetGroup } from '../relabel/target.js';
import { ConfigError, parseConfig } from './default-config.js';
import { decodeTargetGroupList } from './discovery.js';
import { glob, GlobPatternError } from './glob.js';
import { YamlDecoder, DecodeFailure } from './yaml-decode.js';
import type { AlertmanagerConfig, FileSdConfig, PrometheusConfig, ScrapeConfig, TlsConfig } from './types.js';

export interface CheckConfigOptions {
  /** --syntax-only: skip everything that reads other files. */
  readonly syntaxOnly?: boolean;
  /** --agent: alerting, rule files and remote read are not allowed. */
  readonly agentMode?: boolean;
}

export interface CheckConfigResult {
  /** "  WARNING: ..." lines promtool prints while checking (missing file_sd files). */
  readonly warnings: readonly string[];
  /** The error promtool prints after "  FAILED: ", or undefined when the file is valid. */
  readonly error: string | undefined;
  /** Where the error is, when it is in the configuration file. */
  readonly line?: number;
  readonly column?: number;
  /** The field it is about (scrape_configs[0].regex), when known. */
  readonly path?: string;
  /** The rule files found (paths after globbing), for the "SUCCESS: N rule files found" line. */
  readonly ruleFiles: readonly string[];
  readonly config: PrometheusConfig | undefined;
}

/** Checks one configuration file as `promtool check config` does. */
export function checkConfigFile(file: string, options: CheckConfigOptions = {}): CheckConfigResult {
  const warnings: string[] = [];
  const fail = (error: string, at?: ConfigError): CheckConfigResult => ({
    warnings,
    error,
    ...(at?.line !== undefined ? { line: at.line, column: at.column } : {}),
    ...(at?.path !== undefined ? { path: at.path } : {}),
    ruleFiles: [],
    config: undefined,
  });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(goFileError('open', file, err));
  }
  let config: PrometheusConfig;
  try {
    config = parseConfig(text, file, { directory: dirname(file) }).prometheus;
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, err);
    throw err;
  }
  try {
    if (options.agentMode) checkAgentMode(config);
    const ruleFiles = options.syntaxOnly ? [] : findRuleFiles(config.ruleFiles);
    for (const scfg of config.scrapeConfigs) checkScrapeConfig(scfg, options, warnings);
    for (const am of config.alerting.alertmanagers) checkAlertmanager(am, options, warnings);
    return { warnings, error: undefined, ruleFiles, config };
  } catch (err) {
    if (err instanceof CheckError) return fail(err.message);
    throw err;
  }
}

class CheckError extends Error {
  override readonly name = 'CheckError';
}

function checkAgentMode(config: PrometheusConfig): void {
  if (config.alerting.alertmanagers.length > 0 || config.alerting.alertRelabelConfigs.length > 0) {
    throw new CheckError('field alerting is not allowed in agent mode');
  }
  if (config.ruleFiles.length > 0) throw new CheckError('field rule_files is not allowed in agent mode');
  if (config.remoteRead.length > 0) throw new CheckError('field remote_read is not allowed in agent mode');
}

function findRuleFiles(patterns: readonly string[]): string[] {
  const found: string[] = [];
  for (const rf of patterns) {
    const matches = globOrFail(rf);
    if (!rf.includes('*')) {
      if (matches.length === 0) throw new CheckError(`${goQuote(rf)} does not point to an existing file`);
      const error = statError(matches[0]!);
      if (error !== undefined) throw new CheckError(`error checking rule file ${goQuote(matches[0]!)}: ${error}`);
    }
    found.push(...matches);
  }
  return found;
}

function checkScrapeConfig(scfg: ScrapeConfig, options: CheckConfigOptions, warnings: string[]): void {
  const auth = scfg.httpClient.authorization;
  if (!options.syntaxOnly && auth !== undefined) {
    const error = statError(auth.credentialsFile);
    if (error !== undefined) {
      throw new CheckError(`error checking authorization credentials or bearer token file ${goQuote(auth.credentialsFile)}: ${error}`);
    }
  }
  checkTlsConfig(scfg.httpClient.tlsConfig, options);
  const checkGroups = (groups: readonly TargetGroup[]): void => {
    for (const group of groups) {
      const failure = targetsFromGroup(group, scfg).failures[0];
      if (failure !== undefined) throw new CheckError(failure.message);
    }
  };
  // Prometheus keeps the discovery configurations in key order, with the static ones last.
  for (const sd of scfg.serviceDiscovery.fileSdConfigs) {
    checkFileSd(sd, options, checkGroups, (file) => `file ${goQuote(file)} for file_sd in scrape job ${goQuote(scfg.jobName)} does not exist`, warnings);
  }
  checkGroups(scfg.serviceDiscovery.staticConfigs);
}

function checkAlertmanager(am: AlertmanagerConfig, options: CheckConfigOptions, warnings: string[]): void {
  const checkGroups = (groups: readonly TargetGroup[]): void => {
    for (const group of groups) alertmanagersFromGroup(group, am);
  };
  for (const sd of am.serviceDiscovery.fileSdConfigs) {
    checkFileSd(sd, options, checkGroups, (file) => `file ${goQuote(file)} for file_sd in alertmanager config does not exist`, warnings);
  }
  checkGroups(am.serviceDiscovery.staticConfigs);
}

function checkFileSd(
  sd: FileSdConfig,
  options: CheckConfigOptions,
  checkGroups: (groups: readonly TargetGroup[]) => void,
  missing: (file: string) => string,
  warnings: string[],
): void {
  if (options.syntaxOnly) return;
  for (const pattern of sd.files) {
    const files = globOrFail(pattern);
    if (files.length === 0) {
      warnings.push(missing(pattern));
      continue;
    }
    for (const f of files) {
      let groups: TargetGroup[];
      try {
        groups = readSdFile(f);
      } catch (err) {
        if (err instanceof SdFileError) throw new CheckError(`checking SD file ${goQuote(pattern)}: ${err.message}`);
        throw err;
      }
      checkGroups(groups);
    }
  }
}

/** notifier.AlertmanagerFromGroup: only the address check can fail. */
function alertmanagersFromGroup(group: TargetGroup, am: AlertmanagerConfig): void {
  const alertsPath = joinUrlPath(am.pathPrefix, `/api/${am.apiVersion}/alerts`);
  for (const own of group.targets) {
    const labels: Label[] = [...own, { name: SCHEME_LABEL, value: am.scheme }, { name: '__alerts_path__', value: alertsPath }];
    for (const l of group.labels) if (!own.some((o) => o.name === l.name)) labels.push(l);
    labels.sort((a, b) => compareStrings(a.name, b.name));
    const relabeled = process(labels, am.relabelConfigs);
    if (relabeled === null) continue;
    try {
      checkTargetAddress(relabeled.find((l) => l.name === ADDRESS_LABEL)?.value ?? '');
    } catch (err) {
      if (err instanceof TargetLabelError) throw new CheckError(err.message);
      throw err;
    }
  }
}

/** path.Join("/", prefix, suffix). */
function joinUrlPath(prefix: string, suffix: string): string {
  const parts: string[] = [];
  for (const p of `/${prefix}/${suffix}`.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

function checkTlsConfig(tls: TlsConfig, options: CheckConfigOptions): void {
  if (tls.certFile !== '' && tls.keyFile === '') throw new CheckError(`client cert file ${goQuote(tls.certFile)} specified without client key file`);
  if (tls.keyFile !== '' && tls.certFile === '') throw new CheckError(`client key file ${goQuote(tls.keyFile)} specified without client cert file`);
  if (options.syntaxOnly) return;
  const certError = statError(tls.certFile);
  if (certError !== undefined) throw new CheckError(`error checking client cert file ${goQuote(tls.certFile)}: ${certError}`);
  const keyError = statError(tls.keyFile);
  if (keyError !== undefined) throw new CheckError(`error checking client key file ${goQuote(tls.keyFile)}: ${keyError}`);
}

function globOrFail(pattern: string): string[] {
  try {
    return glob(pattern);
  } catch (err) {
    if (err instanceof GlobPatternError) throw new CheckError(err.message);
    throw err;
  }
}

/** os.Stat's error as Go prints it ("stat x: no such file or directory"); undefined when fine or unset. */
function statError(file: string): string | undefined {
  if (file === '') return undefined;
  try {
    statSync(file);
    return undefined;
  } catch (err) {
    return goFileError('stat', file, err);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/** A Node file error in Go's *PathError form: "<op> <path>: <reason>". */
export function goFileError(op: string, file: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EISDIR') return `read ${file}: is a directory`;
  return `${op} ${file}: ${ERRNO_TEXT[e.code ?? ''] ?? e.message}`;
}

class SdFileError extends Error {
  override readonly name = 'SdFileError';
}

/** promtool's checkSDFile: a JSON or YAML list of target groups. */
function readSdFile(file: string): TargetGroup[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SdFileError(goFileError('open', file, err));
  }
  const ext = extname(file).toLowerCase();
  let groups: (Omit<TargetGroup, 'source'> | null)[];
  if (ext === '.json') groups = parseJsonTargetGroups(content);
  else if (ext === '.yml' || ext === '.yaml') groups = parseYamlTargetGroups(content);
  else throw new SdFileError(`invalid file extension: ${goQuote(extname(file))}`);
  return groups.map((g, i) => {
    if (g === null) throw new SdFileError(`nil target group item found (index ${i})`);
    // promtool reads the file itself, so its groups have no source.
    return { ...g, source: '' };
  });
}

function parseYamlTargetGroups(content: string): (Omit<TargetGroup, 'source'> | null)[] {
  const lines = new LineCounter();
  const doc = parseDocument(content, { prettyErrors: false, uniqueKeys: true, merge: true, lineCounter: lines });
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line } = lines.linePos(error.pos[0]);
    throw new SdFileError(`yaml: line ${line}: ${error.message.split('\n')[0]}`);
  }
  const dec = new YamlDecoder(doc, lines);
  let groups;
  try {
    groups = decodeTargetGroupList(dec, doc.contents);
  } catch (err) {
    if (err instanceof DecodeFailure) throw new SdFileError(err.reason);
    throw err;
  }
  if (dec.mismatches.length > 0) throw new SdFileError(`yaml: unmarshal errors:\n  ${dec.mismatches.map((m) => m.text).join('\n  ')}`);
  return groups;
}

/** encoding/json into []*targetgroup.Group (unknown fields refused); messages approximate Go's. */
function parseJsonTargetGroups(content: string): (Omit<TargetGroup, 'source'> | null)[] {
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch (err) {
    throw new SdFileError((err as Error).message);
  }
  if (data === null) return [];
  if (!Array.isArray(data)) throw new SdFileError(`json: cannot unmarshal ${jsonKind(data)} into Go value of type []*targetgroup.Group`);
  return data.map((item: unknown) => {
    if (item === null) return null;
    if (typeof item !== 'object' || Array.isArray(item)) throw new SdFileError(`json: cannot unmarshal ${jsonKind(item)} into Go value of type targetgroup.Group`);
    let targets: Labels[] = [];
    let labels: Labels = [];
    for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
      if (key === 'targets') {
        if (value === null) continue;
        if (!Array.isArray(value) || value.some((t) => typeof t !== 'string' && t !== null)) {
          throw new SdFileError(`json: cannot unmarshal ${jsonKind(value)} into Go struct field .targets of type []string`);
        }
        targets = value.map((t) => [{ name: ADDRESS_LABEL, value: (t as string | null) ?? '' }]);
      } else if (key === 'labels') {
        if (value === null) continue;
        if (typeof value !== 'object' || Array.isArray(value) || Object.values(value as object).some((v) => typeof v !== 'string' && v !== null)) {
          throw new SdFileError(`json: cannot unmarshal ${jsonKind(value)} into Go struct field .labels of type model.LabelSet`);
        }
        const entries = Object.entries(value as Record<string, string | null>);
        for (const [name] of entries) if (!isValidLabelName(name)) throw new SdFileError(`${goQuote(name)} is not a valid label name`);
        labels = entries.map(([name, v]) => ({ name, value: v ?? '' })).sort((a, b) => compareStrings(a.name, b.name));
      } else {
        throw new SdFileError(`json: unknown field ${goQuote(key)}`);
      }
    }
    return { targets, labels };
  });
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}
