import { Encbuf } from '../encoding/encbuf.js';
import { encodeMetadata, encodeSamples, encodeSeries } from '../record/index.js';
import type { WalWriter } from '../wal/writer.js';
import type { SampleBatch } from './sample-batch.js';
import type { CommitLog, OutOfOrderLog, Transaction } from './transaction.js';

/**
 * The head's CommitLog over a Prometheus-format WAL: one commit becomes a Series,
 * a Metadata and a Samples record (each only when non-empty), in that order, as
 * Prometheus's headAppender.log writes them, handed to the kernel before returning.
 */
export class WalCommitLog implements CommitLog {
  private readonly seriesBuf = new Encbuf(4096);
  private readonly metaBuf = new Encbuf(1024);
  private readonly samplesBuf = new Encbuf(64 * 1024);
  private readonly records: Uint8Array[] = [];

  constructor(readonly wal: WalWriter) {}

  log(tx: Transaction): void {
    const records = this.records;
    records.length = 0;
    if (tx.series.length > 0) {
      this.seriesBuf.reset();
      encodeSeries(this.seriesBuf, tx.series);
      records.push(this.seriesBuf.get());
    }
    if (tx.metadata.length > 0) {
      this.metaBuf.reset();
      encodeMetadata(this.metaBuf, tx.metadata);
      records.push(this.metaBuf.get());
    }
    if (tx.sampleRefs.length > 0) {
      this.samplesBuf.reset();
      encodeSamples(this.samplesBuf, tx.sampleRefs, tx.sampleTs, tx.sampleVs, 0, tx.sampleRefs.length);
      records.push(this.samplesBuf.get());
    }
    if (records.length > 0) this.wal.log(records);
  }
}

/**
 * The write-behind log (wbl/, Prometheus's WBL): after a commit is applied, the samples it
 * took out of order are logged again there as one Samples record. WAL replay keeps only
 * in-order samples, as Prometheus's does; the WBL brings the out-of-order ones back.
 */
export class WblLog implements OutOfOrderLog {
  private readonly buf = new Encbuf(16 * 1024);

  constructor(readonly wbl: WalWriter) {}

  logOutOfOrder(cols: SampleBatch): void {
    this.buf.reset();
    encodeSamples(this.buf, cols.refs, cols.ts, cols.vs, 0, cols.length);
    this.wbl.log([this.buf.get()]);
  }
}
