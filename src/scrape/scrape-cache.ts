// The per-target scrape cache, after Prometheus 2.42's scrapeCache (scrape/scrape.go): the series text
// of a sample line maps to its storage ref and final labels, so a steady scrape parses no labels and
// relabels nothing; lines dropped by relabeling are remembered; and the series seen in the current
// and the previous scrape give the staleness markers.

import type { Labels } from '../model/labels.js';
import type { SeriesRef } from '../storage/interface.js';

export interface CacheEntry {
  ref: SeriesRef;
  readonly labels: Labels;
  /** Identity of the exposed series (labelsKey of its labels before target labels and relabeling). */
  readonly staleKey: string;
  lastIter: number;
}

export class ScrapeCache {
  /** Counts successful scrapes; entries not seen in the latest one are flushed. */
  private iter = 0;
  private readonly series = new Map<string, CacheEntry>();
  private readonly dropped = new Map<string, number>();
  /** Series (without explicit timestamps) appended in this scrape and the previous one, by staleKey. */
  private seriesCur = new Map<string, Labels>();
  private seriesPrev = new Map<string, Labels>();
  private successfulCount = 0;

  get(seriesKey: string): CacheEntry | undefined {
    const e = this.series.get(seriesKey);
    if (e !== undefined) e.lastIter = this.iter;
    return e;
  }

  addRef(seriesKey: string, ref: SeriesRef, labels: Labels, staleKey: string): void {
    if (ref === 0) return;
    this.series.set(seriesKey, { ref, labels, staleKey, lastIter: this.iter });
  }

  addDropped(seriesKey: string): void {
    this.dropped.set(seriesKey, this.iter);
  }

  isDropped(seriesKey: string): boolean {
    if (!this.dropped.has(seriesKey)) return false;
    this.dropped.set(seriesKey, this.iter);
    return true;
  }

  trackStaleness(staleKey: string, labels: Labels): void {
    this.seriesCur.set(staleKey, labels);
  }

  /** Series of the previous scrape absent from this one. */
  *stale(): Iterable<Labels> {
    for (const [key, labels] of this.seriesPrev) if (!this.seriesCur.has(key)) yield labels;
  }

  /** Forgets what the current (failed, rolled back) scrape tracked, so staleness compares against nothing. */
  discardCurrent(): void {
    this.seriesCur.clear();
  }

  /**
   * Ends a scrape: `flush` (a non-empty scrape) drops entries the scrape did not see; a run of failed
   * scrapes flushes too once the cache doubled. The current series become the previous ones.
   */
  iterDone(flush: boolean): void {
    const count = this.series.size + this.dropped.size;
    if (flush) this.successfulCount = count;
    else if (count > this.successfulCount * 2 + 1000) flush = true;
    if (flush) {
      for (const [key, e] of this.series) if (e.lastIter !== this.iter) this.series.delete(key);
      for (const [key, iter] of this.dropped) if (iter !== this.iter) this.dropped.delete(key);
      this.iter++;
    }
    const prev = this.seriesPrev;
    this.seriesPrev = this.seriesCur;
    this.seriesCur = prev;
    this.seriesCur.clear();
  }
}
