// The Prometheus 2.42 configuration (prometheus.yml) as promwasm holds it once loaded: every default
// applied, every check passed, frozen. Names are the YAML names in camelCase; durations are whole
// milliseconds (suffix Ms), sizes bytes. Relative file paths are resolved against the directory of the
// configuration file, as Prometheus does.

import type { Labels } from '../model/labels.js';
import type { RelabelConfig } from '../relabel/config.js';
import type { TargetGroup } from '../relabel/target.js';

export interface PrometheusConfig {
  readonly global: GlobalConfig;
  readonly alerting: AlertingConfig;
  /** Rule file paths or globs (accepted and checked for syntax; promwasm evaluates no rules). */
  readonly ruleFiles: readonly string[];
  readonly scrapeConfigs: readonly ScrapeConfig[];
  readonly storage: StorageConfig;
  /** Undefined when the configuration has no (or a null) `tracing` section. */
  readonly tracing: TracingConfig | undefined;
  readonly remoteWrite: readonly RemoteWriteConfig[];
  readonly remoteRead: readonly RemoteReadConfig[];
}

export interface GlobalConfig {
  /** Default 1m. */
  readonly scrapeIntervalMs: number;
  /** Default 10s, or the scrape interval when that is shorter. */
  readonly scrapeTimeoutMs: number;
  /** Default 1m. */
  readonly evaluationIntervalMs: number;
  readonly queryLogFile: string;
  /** Sorted; as written (an empty value is kept, as Prometheus keeps it). */
  readonly externalLabels: Labels;
}

export interface ScrapeConfig {
  readonly jobName: string;
  /** Default false. */
  readonly honorLabels: boolean;
  /** Default true. */
  readonly honorTimestamps: boolean;
  /** URL query parameters (Go url.Values): every value of every name, names sorted. */
  readonly params: Readonly<Record<string, readonly string[]>>;
  /** The job's, else the global scrape interval. */
  readonly scrapeIntervalMs: number;
  /** The job's; else the global timeout, capped at this job's interval. */
  readonly scrapeTimeoutMs: number;
  /** Default "/metrics". */
  readonly metricsPath: string;
  /** Default "http". */
  readonly scheme: string;
  /** Bytes of uncompressed body allowed; 0 is no limit. */
  readonly bodySizeLimit: number;
  /** 0 is no limit, as for the other limits. */
  readonly sampleLimit: number;
  readonly targetLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly httpClient: HttpClientConfig;
  readonly relabelConfigs: readonly RelabelConfig[];
  readonly metricRelabelConfigs: readonly RelabelConfig[];
  readonly serviceDiscovery: ServiceDiscoveryConfigs;
}

export interface ServiceDiscoveryConfigs {
  /** All `static_configs` entries, in order; group i has source "i". */
  readonly staticConfigs: readonly TargetGroup[];
  readonly fileSdConfigs: readonly FileSdConfig[];
  readonly httpSdConfigs: readonly HttpSdConfig[];
  /** Mechanisms Prometheus has and promwasm does not run (kubernetes, consul, ...): named, not checked. */
  readonly unsupported: readonly UnsupportedSdConfig[];
}

export interface FileSdConfig {
  /** Paths or globs (`*` only in the last element) of .json, .yml or .yaml files. */
  readonly files: readonly string[];
  /** Default 5m. */
  readonly refreshIntervalMs: number;
}

export interface HttpSdConfig {
  readonly url: string;
  /** Default 1m. */
  readonly refreshIntervalMs: number;
  readonly httpClient: HttpClientConfig;
}

export interface UnsupportedSdConfig {
  /** The YAML key, e.g. kubernetes_sd_configs. */
  readonly key: string;
  readonly line: number;
}

/** prometheus/common's HTTPClientConfig, after its Validate (bearer_token folded into authorization). */
export interface HttpClientConfig {
  readonly basicAuth: BasicAuth | undefined;
  readonly authorization: Authorization | undefined;
  readonly oauth2: OAuth2 | undefined;
  /** As written; "" when not set. */
  readonly proxyUrl: string;
  readonly proxyConnectHeader: Readonly<Record<string, readonly string[]>>;
  readonly tlsConfig: TlsConfig;
  /** Default true. */
  readonly followRedirects: boolean;
  /** Default true. */
  readonly enableHttp2: boolean;
}

export interface BasicAuth {
  readonly username: string;
  readonly password: string;
  readonly passwordFile: string;
}

export interface Authorization {
  /** Default "Bearer". */
  readonly type: string;
  readonly credentials: string;
  readonly credentialsFile: string;
}

export interface OAuth2 {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientSecretFile: string;
  readonly scopes: readonly string[];
  readonly tokenUrl: string;
  readonly endpointParams: Readonly<Record<string, string>>;
  readonly proxyUrl: string;
  readonly tlsConfig: TlsConfig;
}

export type TlsVersion = 'TLS10' | 'TLS11' | 'TLS12' | 'TLS13';

export interface TlsConfig {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly serverName: string;
  readonly insecureSkipVerify: boolean;
  readonly minVersion: TlsVersion | undefined;
  readonly maxVersion: TlsVersion | undefined;
}

export interface StorageConfig {
  readonly tsdb: { readonly outOfOrderTimeWindowMs: number };
  /** 100000 when the configuration has no exemplars section; 0 or less disables exemplar storage. */
  readonly exemplars: { readonly maxExemplars: number };
}

export interface RemoteWriteConfig {
  /** As written. */
  readonly url: string;
  readonly name: string;
  /** Default 30s. */
  readonly remoteTimeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly writeRelabelConfigs: readonly RelabelConfig[];
  readonly sendExemplars: boolean;
  readonly sendNativeHistograms: boolean;
  readonly httpClient: HttpClientConfig;
  readonly queueConfig: QueueConfig;
  readonly metadataConfig: MetadataConfig;
  readonly sigv4: SigV4Config | undefined;
  /** Which message the sender writes: remote write 1.0 (the default) or 2.0. Not in 2.42's configuration (3.x has it). */
  readonly protobufMessage: RemoteWriteMessage;
}

export type RemoteWriteMessage = 'prometheus.WriteRequest' | 'io.prometheus.write.v2.Request';

export interface QueueConfig {
  /** Default 2500. */
  readonly capacity: number;
  /** Default 200. */
  readonly maxShards: number;
  /** Default 1. */
  readonly minShards: number;
  /** Default 500. */
  readonly maxSamplesPerSend: number;
  /** Default 5s. */
  readonly batchSendDeadlineMs: number;
  /** Default 30ms. */
  readonly minBackoffMs: number;
  /** Default 5s. */
  readonly maxBackoffMs: number;
  /** retry_on_http_429, default false. */
  readonly retryOnRateLimit: boolean;
}

export interface MetadataConfig {
  /** Default true. */
  readonly send: boolean;
  /** Default 1m. */
  readonly sendIntervalMs: number;
  /** Default 500. */
  readonly maxSamplesPerSend: number;
}

export interface SigV4Config {
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly profile: string;
  readonly roleArn: string;
}

export interface RemoteReadConfig {
  readonly url: string;
  readonly name: string;
  /** Default 1m. */
  readonly remoteTimeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly readRecent: boolean;
  readonly httpClient: HttpClientConfig;
  /** Equality matchers a query must contain to be sent. */
  readonly requiredMatchers: Labels;
  /** Default true. */
  readonly filterExternalLabels: boolean;
}

/** Accepted and checked for syntax; promwasm sends no alerts. */
export interface AlertingConfig {
  readonly alertRelabelConfigs: readonly RelabelConfig[];
  readonly alertmanagers: readonly AlertmanagerConfig[];
}

export interface AlertmanagerConfig {
  readonly scheme: string;
  readonly pathPrefix: string;
  readonly timeoutMs: number;
  /** "v2" (the default) or "v1"; "" when given as null. */
  readonly apiVersion: string;
  readonly httpClient: HttpClientConfig;
  readonly relabelConfigs: readonly RelabelConfig[];
  readonly serviceDiscovery: ServiceDiscoveryConfigs;
}

/** Accepted and checked; promwasm exports no traces. */
export interface TracingConfig {
  /** "grpc" (the default) or "http"; "" when given as null. */
  readonly clientType: string;
  readonly endpoint: string;
  readonly samplingFraction: number;
  readonly insecure: boolean;
  readonly tlsConfig: TlsConfig;
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: string;
  readonly timeoutMs: number;
}
