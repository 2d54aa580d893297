// The seam between service discovery mechanisms and the scrape manager: a Discoverer runs until
// stopped and hands over its complete current list of target groups whenever it changes.

import type { TargetGroup } from '../relabel/target.js';

export interface Discoverer {
  /** Starts discovering; `update` gets every group this discoverer currently knows, each time. */
  start(update: (groups: readonly TargetGroup[]) => void): void;
  stop(): void;
}

/** static_configs: the groups never change. */
export class StaticDiscoverer implements Discoverer {
  constructor(private readonly groups: readonly TargetGroup[]) {}

  start(update: (groups: readonly TargetGroup[]) => void): void {
    update(this.groups);
  }

  stop(): void {}
}
