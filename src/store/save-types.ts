/** What a save returns and takes, and a read's time window: shared by the store interface and the SQL every backend runs. */
export interface SaveResult {
  scanId: number;
  /** The same scan (same report id) was saved before: nothing was written. */
  duplicate: boolean;
  /** False when the scan is older than a saved scan of the same scope: it joins the trend only. */
  lifecycleApplied: boolean;
  opened: number;
  closed: number;
}

export interface SaveHooks {
  /** Called inside the transaction once the scan's observations are written (crash tests). */
  midSave?: () => void | Promise<void>;
  /**
   * Called between the save's phases, when what the last one made is garbage: the resources' state
   * texts once they are written, before every finding saved before is read. A large run collects
   * garbage there (src/cli/memory.ts), so that the peak is what the save holds.
   */
  betweenPhases?: () => void;
}

export interface Window {
  /** Epoch ms, inclusive; default: the beginning. */
  since?: number;
  /** Epoch ms, inclusive; default: the end. */
  until?: number;
}
