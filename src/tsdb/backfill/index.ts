// Backfilling TSDB blocks from OpenMetrics text, as promtool 2.42's `tsdb create-blocks-from openmetrics`.

export { backfillOpenMetrics, compatibleBlockDuration, timeRange, BackfillError, type BackfillOptions, type BackfillProgress } from './backfill.js';
export { WindowHead, AppendError, SAMPLES_PER_COMMIT, type ValueSource } from './window-head.js';
