// file_sd_configs, after Prometheus 2.42's discovery/file: every file matching the configured paths or
// globs is read as JSON (.json) or YAML (.yml, .yaml) target groups, re-read when its directory changes
// (fs.watch) and every refresh_interval. Group i of a file has source "<file>:i" and the label
// `__meta_filepath`. A file that fails to read or decode keeps its previous groups.

import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { glob } from '../config/glob.js';
import type { FileSdConfig } from '../config/types.js';
import type { Logger } from '../logging.js';
import type { TargetGroup } from '../relabel/target.js';
import type { Discoverer } from './discoverer.js';
import { decodeTargetGroups } from './target-group.js';

export const FILEPATH_LABEL = '__meta_filepath';

/** Re-reads are coalesced: a burst of file events costs one refresh. */
const WATCH_DEBOUNCE_MS = 20;

export class FileDiscoverer implements Discoverer {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly lastGroups = new Map<string, TargetGroup[]>();
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private update: ((groups: readonly TargetGroup[]) => void) | undefined;

  constructor(
    private readonly config: FileSdConfig,
    private readonly logger?: Logger,
  ) {}

  start(update: (groups: readonly TargetGroup[]) => void): void {
    this.update = update;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.config.refreshIntervalMs);
  }

  stop(): void {
    this.update = undefined;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Reads every matching file now and reports the groups. */
  refresh(): void {
    if (this.update === undefined) return;
    const files = new Set<string>();
    for (const pattern of this.config.files) {
      for (const file of glob(pattern)) if (isTargetFile(file)) files.add(file);
      this.watchDirectory(dirname(pattern));
    }
    const groups: TargetGroup[] = [];
    for (const file of [...files].sort()) {
      try {
        const read = readTargetFile(file);
        this.lastGroups.set(file, read);
      } catch (err) {
        this.logger?.error({ err, file }, 'Error reading file');
      }
      groups.push(...(this.lastGroups.get(file) ?? []));
    }
    for (const file of this.lastGroups.keys()) if (!files.has(file)) this.lastGroups.delete(file);
    this.update(groups);
  }

  private watchDirectory(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      const w = watch(dir, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.refresh(), WATCH_DEBOUNCE_MS);
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch (err) {
      // The directory may not exist yet; the periodic refresh still finds files created later.
      this.logger?.debug({ err, dir }, 'Error adding file watch');
    }
  }
}

function isTargetFile(file: string): boolean {
  const ext = extname(file);
  return ext === '.json' || ext === '.yml' || ext === '.yaml';
}

/** One file's target groups; throws on I/O, syntax or content errors. */
export function readTargetFile(file: string): TargetGroup[] {
  const text = readFileSync(file, 'utf8');
  const data: unknown = extname(file) === '.json' ? JSON.parse(text) : (parseYaml(text) ?? []);
  return decodeTargetGroups(data, (i) => `${file}:${i}`, [{ name: FILEPATH_LABEL, value: file }]);
}
