// Service discovery sections of scrape_configs and alertmanagers (Prometheus 2.42 discovery/registry.go
// and the file, http and static mechanisms). static_configs, file_sd_configs and http_sd_configs are
// decoded and checked as Prometheus does. The other mechanisms Prometheus registers (kubernetes,
// consul, ...) are accepted by name — promwasm does not run them and does not check their contents.

import { isMap } from 'yaml';
import { goQuote } from '../format/go-quote.js';
import { ADDRESS_LABEL, type TargetGroup } from '../relabel/target.js';
import { parseGoUrl, GoUrlError } from './go-url.js';
import { BAD, type Decoded, type FieldHandler, type YamlDecoder, type YamlNode } from './yaml-decode.js';
import { assign, durationValue, joinDir, labelSetValue, stringListValue, type DecodeContext } from './decode-values.js';
import { addHttpClientFields, defaultHttpClientDraft, foldBearerToken, freezeHttpClient } from './http-client.js';
import type { FileSdConfig, HttpSdConfig, ServiceDiscoveryConfigs, UnsupportedSdConfig } from './types.js';

/** Mechanisms registered in Prometheus 2.42 besides static, file and http: YAML key → Go element type. */
const OTHER_MECHANISMS: ReadonlyMap<string, string> = new Map([
  ['azure', 'azure.SDConfig'],
  ['consul', 'consul.SDConfig'],
  ['digitalocean', 'digitalocean.SDConfig'],
  ['docker', 'moby.DockerSDConfig'],
  ['dockerswarm', 'moby.DockerSwarmSDConfig'],
  ['dns', 'dns.SDConfig'],
  ['ec2', 'aws.EC2SDConfig'],
  ['eureka', 'eureka.SDConfig'],
  ['gce', 'gce.SDConfig'],
  ['hetzner', 'hetzner.SDConfig'],
  ['ionos', 'ionos.SDConfig'],
  ['kubernetes', 'kubernetes.SDConfig'],
  ['kuma', 'xds.KumaSDConfig'],
  ['lightsail', 'aws.LightsailSDConfig'],
  ['linode', 'linode.SDConfig'],
  ['marathon', 'marathon.SDConfig'],
  ['nerve', 'zookeeper.NerveSDConfig'],
  ['nomad', 'nomad.SDConfig'],
  ['openstack', 'openstack.SDConfig'],
  ['ovhcloud', 'ovhcloud.SDConfig'],
  ['puppetdb', 'puppetdb.SDConfig'],
  ['scaleway', 'scaleway.SDConfig'],
  ['serverset', 'zookeeper.ServersetSDConfig'],
  ['triton', 'triton.SDConfig'],
  ['uyuni', 'uyuni.SDConfig'],
  ['vultr', 'vultr.SDConfig'],
]);

const TARGET_GROUP_TYPE = 'struct { Targets []string "yaml:\\"targets\\""; Labels model.LabelSet "yaml:\\"labels\\"" }';
// A file_sd path: `*` only in the last path element, and a .json/.yml/.yaml name.
const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

/** One entry of an SD list: its value, or null for a null entry (with where it is). */
interface Entry<T> {
  readonly value: T | null;
  readonly node: YamlNode;
  readonly path: string;
}

/** The SD lists of one structure as read; checked for null entries once the structure is complete. */
export interface SdDraft {
  readonly lists: Map<string, Entry<unknown>[]>;
}

export function newSdDraft(): SdDraft {
  return { lists: new Map() };
}

/** Adds every `<mechanism>_sd_configs` key and `static_configs` to a field table. */
export function addDiscoveryFields(ctx: DecodeContext, fields: Map<string, FieldHandler>, draft: SdDraft): void {
  const { dec } = ctx;
  const list = <T>(key: string, goElemType: string, element: (n: YamlNode, p: string) => Decoded<T>): FieldHandler => (n, p) => {
    const entries = dec.sequence<Entry<T>>(n, p, `[]*${goElemType}`, (item, q) => {
      if (dec.isNull(item, q)) return { value: null, node: item, path: q };
      const v = element(item, q);
      return v === BAD ? BAD : { value: v, node: item, path: q };
    });
    if (entries !== BAD) draft.lists.set(key, entries);
  };
  fields.set('static_configs', list('static_configs', 'targetgroup.Group', (n, p) => decodeTargetGroup(ctx, n, p)));
  fields.set('file_sd_configs', list('file_sd_configs', 'file.SDConfig', (n, p) => decodeFileSd(ctx, n, p)));
  fields.set('http_sd_configs', list('http_sd_configs', 'http.SDConfig', (n, p) => decodeHttpSd(ctx, n, p)));
  for (const [name, goType] of OTHER_MECHANISMS) {
    const key = `${name}_sd_configs`;
    fields.set(key, list(key, goType, (n, p): Decoded<UnsupportedSdConfig> => {
      if (!isMap(dec.resolve(n, p))) {
        dec.mismatch(n, p, goType);
        return BAD;
      }
      return Object.freeze({ key, line: dec.position(n).line });
    }));
  }
}

/**
 * readConfigs: a null entry in any list stops loading ("empty or null section in file_sd_configs"),
 * lists taken in Prometheus's order (by key); static groups are numbered in order.
 */
export function finishDiscovery(ctx: DecodeContext, draft: SdDraft): ServiceDiscoveryConfigs {
  const keys = [...draft.lists.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    for (const entry of draft.lists.get(key)!) {
      if (entry.value === null) ctx.dec.fail(entry.node, entry.path, `empty or null section in ${key}`);
    }
  }
  const values = <T>(key: string): T[] => (draft.lists.get(key) ?? []).map((e) => e.value as T);
  const staticConfigs = values<Omit<TargetGroup, 'source'>>('static_configs').map((g, i) => Object.freeze({ ...g, source: String(i) }));
  const unsupported: UnsupportedSdConfig[] = [];
  for (const key of keys) if (OTHER_MECHANISMS.has(key.slice(0, -'_sd_configs'.length))) unsupported.push(...values<UnsupportedSdConfig>(key));
  return Object.freeze({
    staticConfigs: Object.freeze(staticConfigs),
    fileSdConfigs: Object.freeze(values<FileSdConfig>('file_sd_configs')),
    httpSdConfigs: Object.freeze(values<HttpSdConfig>('http_sd_configs')),
    unsupported: Object.freeze(unsupported),
  });
}

function decodeTargetGroup(ctx: DecodeContext, node: YamlNode, path: string): Decoded<Omit<TargetGroup, 'source'>> {
  const { dec } = ctx;
  const before = dec.mismatches.length;
  let targets: string[] = [];
  let labels: TargetGroup['labels'] = [];
  dec.struct(node, path, TARGET_GROUP_TYPE, new Map<string, FieldHandler>([
    ['targets', (v, q) => {
      const t = stringListValue(dec, v, q);
      if (t !== BAD) targets = t;
    }],
    ['labels', (v, q) => {
      const l = labelSetValue(dec, v, q);
      if (l !== BAD) labels = l;
    }],
  ]));
  if (dec.mismatches.length > before) return BAD;
  return {
    targets: Object.freeze(targets.map((address) => Object.freeze([Object.freeze({ name: ADDRESS_LABEL, value: address })]))),
    labels,
  };
}

function decodeFileSd(ctx: DecodeContext, node: YamlNode, path: string): Decoded<FileSdConfig> {
  const { dec } = ctx;
  const before = dec.mismatches.length;
  const c = { files: [] as string[], refreshIntervalMs: 5 * 60_000 };
  dec.struct(node, path, 'file.plain', new Map<string, FieldHandler>([
    ['files', (v, q) => assign(c, 'files', stringListValue(dec, v, q))],
    ['refresh_interval', (v, q) => assign(c, 'refreshIntervalMs', durationValue(dec, v, q))],
  ]));
  if (dec.mismatches.length > before) return BAD;
  if (c.files.length === 0) dec.fail(dec.fieldNode(node, path, 'files'), path, 'file service discovery config must contain at least one path name');
  for (const name of c.files) {
    if (!FILE_SD_NAME.test(name)) dec.fail(dec.fieldNode(node, path, 'files'), `${path}.files`, `path name ${goQuote(name)} is not valid for file discovery`);
  }
  return Object.freeze({ files: Object.freeze(c.files.map((f) => joinDir(ctx, f))), refreshIntervalMs: c.refreshIntervalMs });
}

function decodeHttpSd(ctx: DecodeContext, node: YamlNode, path: string): Decoded<HttpSdConfig> {
  const { dec } = ctx;
  const before = dec.mismatches.length;
  const client = defaultHttpClientDraft();
  const c = { url: '', refreshIntervalMs: 60_000 };
  const fields = new Map<string, FieldHandler>([
    ['refresh_interval', (v, q) => assign(c, 'refreshIntervalMs', durationValue(dec, v, q))],
    ['url', (v, q) => assign(c, 'url', dec.string(v, q))],
  ]);
  addHttpClientFields(ctx, fields, client);
  dec.struct(node, path, 'http.plain', fields);
  if (dec.mismatches.length > before) return BAD;
  if (c.url === '') dec.fail(dec.fieldNode(node, path, 'url'), path, 'URL is missing');
  let scheme: string;
  let host: string;
  try {
    ({ scheme, host } = parseGoUrl(c.url));
  } catch (err) {
    if (err instanceof GoUrlError) dec.fail(dec.fieldNode(node, path, 'url'), `${path}.url`, err.message);
    throw err;
  }
  if (scheme !== 'http' && scheme !== 'https') dec.fail(dec.fieldNode(node, path, 'url'), `${path}.url`, "URL scheme must be 'http' or 'https'");
  if (host === '') dec.fail(dec.fieldNode(node, path, 'url'), `${path}.url`, 'host is missing in URL');
  // Prometheus does not validate an http_sd client when loading; only the bearer-token folding applies.
  foldBearerToken(client);
  return Object.freeze({ url: c.url, refreshIntervalMs: c.refreshIntervalMs, httpClient: freezeHttpClient(ctx, client) });
}

/** A file_sd file in YAML: a list of target groups (null entries kept as null for the caller to refuse). */
export function decodeTargetGroupList(dec: YamlDecoder, node: YamlNode): (Omit<TargetGroup, 'source'> | null)[] {
  const ctx: DecodeContext = { dec, directory: '' };
  const groups = dec.sequence(node, '', '[]*targetgroup.Group', (n, p) => (dec.isNull(n, p) ? null : decodeTargetGroup(ctx, n, p)));
  return groups === BAD ? [] : groups;
}
