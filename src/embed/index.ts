// The embedding API as the package root exports it: openDB and what its handle takes and returns.

export { Database, DatabaseClosedError, openDB, type Time } from './database.js';
export { InvalidOptionError, type Duration, type OpenDBOptions } from './options.js';
export { DirLockedError } from '../tsdb/dir-lock.js';
export type { DBStats, StorageLogger } from '../tsdb/db.js';
export type { Appender, SeriesRef } from '../storage/interface.js';
export { StorageError, type StorageErrorCode } from '../storage/errors.js';
export type { QueryOptions } from '../promql/engine.js';
export type { RangeSeries, Sample, Value } from '../promql/value.js';
export { PromQLParseError } from '../promql/parser.js';
export { PromQLExecutionError, QueryCanceledError, QueryTimeoutError, TooManySamplesError } from '../promql/errors.js';
