// The PromQL engine's public surface: parse, evaluate, and the errors a query can end with.

export { Engine, type EngineOptions, type QueryOptions } from './engine.js';
export { parseExpr, typeOf, PromQLParseError } from './parser.js';
export {
  PromQLExecutionError, QueryTimeoutError, QueryCanceledError, TooManySamplesError,
  type QueryErrorType, type QueryPhase,
} from './errors.js';
export { MemoryQueryable, type Queryable, type SeriesData, type SampleColumns } from './queryable.js';
export type { Value, Sample, RangeSeries } from './value.js';
export type { Expr } from './ast.js';
