/** What every collector module shares during one scan. */
import type { Gap } from '../../model/inventory.js';
import type { AwsSession } from './clients.js';
import { type GapContext, gap, gapFromError } from './errors.js';

export interface ProgressCounts {
  accounts: { done: number; total: number };
  regions: { done: number; total: number };
  clusters: { done: number; total: number };
  keys: { done: number; total: number };
}

export type ProgressListener = (counts: Readonly<ProgressCounts>) => void;

export class ScanContext {
  readonly gaps: Gap[] = [];
  readonly progress: ProgressCounts = {
    accounts: { done: 0, total: 0 },
    regions: { done: 0, total: 0 },
    clusters: { done: 0, total: 0 },
    keys: { done: 0, total: 0 },
  };

  constructor(
    readonly session: AwsSession,
    readonly partition: string,
    /**
     * Whether the endpoint is AWS itself. An emulator leaves out fields it does not model, so an
     * absent optional field there means "not collected", not "not set".
     */
    readonly faithfulEndpoint: boolean,
    private readonly pageSizeOverride: number | undefined,
    private readonly listener: ProgressListener | undefined,
  ) {}

  /** The page size to ask for: the API's maximum, or a smaller override (tests of pagination). */
  pageSize(max: number): number {
    return Math.min(max, this.pageSizeOverride ?? max);
  }

  /** Records the gap a failed call leaves, and returns it. */
  failed(context: GapContext, error: unknown): Gap {
    const entry = gapFromError(context, error);
    this.gaps.push(entry);
    return entry;
  }

  missing(context: GapContext, code: string, message: string): Gap {
    const entry = gap(context, code, message);
    this.gaps.push(entry);
    return entry;
  }

  tick(update: (counts: ProgressCounts) => void): void {
    update(this.progress);
    this.listener?.(this.progress);
  }
}
