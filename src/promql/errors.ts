// The ways a query fails, as typed classes so the HTTP API can map them to Prometheus's errorType
// (web/api/v1 returnAPIError: canceled, timeout, everything else from the engine is execution; parse
// errors are bad_data). Messages are 2.42's (promql/engine.go ErrQueryTimeout, ErrQueryCanceled,
// ErrTooManySamples with their "in <env>" suffix).

/** Prometheus's API errorType for a query error. */
export type QueryErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled';

/** Where a limit was hit, as 2.42 words it: before evaluation started, or while evaluating. */
export type QueryPhase = 'query execution' | 'expression evaluation';

/** A query that failed while running (bad regex in label_replace, duplicate output series, ...). */
export class PromQLExecutionError extends Error {
  override readonly name: string = 'PromQLExecutionError';
  readonly errorType: QueryErrorType = 'execution';
}

/** The query ran longer than the engine's timeout (`--query.timeout`). */
export class QueryTimeoutError extends PromQLExecutionError {
  override readonly name = 'QueryTimeoutError';
  override readonly errorType = 'timeout';
  constructor(readonly phase: QueryPhase) {
    super(`query timed out in ${phase}`);
  }
}

/** The caller aborted the query (its AbortSignal fired). */
export class QueryCanceledError extends PromQLExecutionError {
  override readonly name = 'QueryCanceledError';
  override readonly errorType = 'canceled';
  constructor(readonly phase: QueryPhase) {
    super(`query was canceled in ${phase}`);
  }
}

/** The query would hold more samples than `--query.max-samples` at once. */
export class TooManySamplesError extends PromQLExecutionError {
  override readonly name = 'TooManySamplesError';
  constructor() {
    super('query processing would load too many samples into memory in query execution');
  }
}
