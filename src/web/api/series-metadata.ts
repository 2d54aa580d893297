// /api/v1/series, /api/v1/labels, /api/v1/label/:name/values and /api/v1/metadata (web/api/v1/api.go
// series, labelNames, labelValues, metricMetadata): label lookups answered from postings, series from a
// selection whose samples are never read.

import type { FastifyPluginAsync } from 'fastify';
import { goQuote } from '../../format/go-quote.js';
import { compareLabels, compareStrings, labelsKey, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matchers.js';
import type { QueryStorage } from '../../server/storage-seam.js';
import { goJson, goJsonString, labelsJson, RawJson } from './json.js';
import { matcherSets, MAX_TIME_MS, MIN_TIME_MS, timeParam, type FormValues } from './params.js';
import { ApiError } from './respond.js';
import { handle } from './route.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface SeriesMetadataRoutesOptions {
  readonly storage: () => QueryStorage;
}

export const seriesMetadataRoutes: FastifyPluginAsync<SeriesMetadataRoutesOptions> = async (app, { storage }) => {
  const series = handle(async (form) => {
    if (form.all('match[]').length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
    const { start, end } = timeRange(form);
    const sets = matcherSets(form.all('match[]'), 'match[]');
    const found = new Map<string, Labels>();
    for (const matchers of sets) {
      for await (const s of storage().select(matchers, start, end)) found.set(labelsKey(s.labels), s.labels);
    }
    const all = [...found.values()];
    if (sets.length > 1) all.sort(compareLabels);
    return { data: new RawJson(`[${all.map(labelsJson).join(',')}]`) };
  });

  const labelNames = handle(async (form) => {
    const { start, end } = timeRange(form);
    const sets = matcherSets(form.all('match[]'));
    const names = await union(sets, (matchers) => storage().labelNames(start, end, matchers));
    return { data: new RawJson(goJson(names)) };
  });

  const labelValues = handle(async (form, request) => {
    const name = (request.params as { name: string }).name;
    if (!LABEL_NAME.test(name)) throw new ApiError('bad_data', `invalid label name: ${goQuote(name)}`);
    const { start, end } = timeRange(form);
    const sets = matcherSets(form.all('match[]'));
    const values = await union(sets, (matchers) => storage().labelValues(name, start, end, matchers));
    return { data: new RawJson(goJson(values)) };
  });

  const metadata = handle(async (form) => {
    let limit = -1;
    const limitText = form.get('limit');
    if (limitText !== '') {
      limit = goAtoi(limitText);
      if (Number.isNaN(limit)) throw new ApiError('bad_data', 'limit must be a number');
    }
    const metric = form.get('metric');
    const byName = storage().metadata();
    const names = [...byName.keys()].filter((n) => metric === '' || n === metric).sort(compareStrings);
    const parts: string[] = [];
    for (const n of names) {
      if (limit >= 0 && parts.length >= limit) break;
      const entries = byName.get(n)!.map((m) => goJson({ type: m.type, help: m.help, unit: m.unit }));
      parts.push(`${goJsonString(n)}:[${entries.join(',')}]`);
    }
    return { data: new RawJson(`{${parts.join(',')}}`) };
  });

  for (const method of ['GET', 'POST'] as const) {
    app.route({ method, url: '/series', handler: series });
    app.route({ method, url: '/labels', handler: labelNames });
  }
  app.get('/label/:name/values', labelValues);
  app.get('/metadata', metadata);
};

function timeRange(form: FormValues): { start: number; end: number } {
  return { start: timeParam(form, 'start', MIN_TIME_MS), end: timeParam(form, 'end', MAX_TIME_MS) };
}

/** One lookup without matchers, or the sorted union of one lookup per match[] set. */
async function union(sets: readonly Matcher[][], lookup: (matchers?: readonly Matcher[]) => Promise<string[]>): Promise<string[]> {
  if (sets.length === 0) return lookup();
  if (sets.length === 1) return lookup(sets[0]);
  const all = new Set<string>();
  for (const matchers of sets) for (const v of await lookup(matchers)) all.add(v);
  return [...all].sort(compareStrings);
}

/** Go's strconv.Atoi: an optionally signed decimal int64, else NaN. */
function goAtoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) return NaN;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return NaN;
  return Number(v);
}
