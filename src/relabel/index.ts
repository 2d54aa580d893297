// Relabeling with Prometheus 2.42's semantics: configuration, validation, and the pure process function.

export {
  DEFAULT_REGEX,
  DEFAULT_REGEX_SOURCE,
  DEFAULT_REPLACEMENT,
  DEFAULT_SEPARATOR,
  RELABEL_ACTIONS,
  RelabelConfigError,
  isValidLabelName,
  newRelabelConfig,
  parseRelabelAction,
  type RelabelAction,
  type RelabelConfig,
  type RelabelConfigInput,
} from './config.js';
export { AnchoredRegexp, RegexpError, type SubmatchIndexes } from './regexp.js';
export { expandTemplate } from './template.js';
export { md5Tail64, process, relabelStep } from './process.js';
export { goToLower, goToUpper } from './go-case.js';
export {
  ADDRESS_LABEL,
  INSTANCE_LABEL,
  JOB_LABEL,
  METRICS_PATH_LABEL,
  META_LABEL_PREFIX,
  PARAM_LABEL_PREFIX,
  SCHEME_LABEL,
  SCRAPE_INTERVAL_LABEL,
  SCRAPE_TIMEOUT_LABEL,
  TargetLabelError,
  checkTargetAddress,
  populateTargetLabels,
  splitHostPort,
  targetsFromGroup,
  type GroupTargets,
  type PopulatedLabels,
  type TargetGroup,
  type TargetLabelingSettings,
} from './target.js';
