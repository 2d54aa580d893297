export { AgentAppender, AgentCounters } from './appender.js';
export { AgentDB, openAgentDB, type AgentDBStats } from './db.js';
export { registerAgentMetrics } from './metrics.js';
export {
  DEFAULT_MAX_WAL_TIME_MS, DEFAULT_MIN_WAL_TIME_MS, DEFAULT_TRUNCATE_FREQUENCY_MS, NO_QUEUES,
  validateAgentOptions, type AgentOptions, type ForwardProgress,
} from './options.js';
export { AgentSeries, AgentSeriesMap } from './series.js';
