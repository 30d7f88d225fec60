/**
 * What history keeps of a scan, and what it gives back to the KPI reducers. These types are pure
 * data: `record.ts` builds a `ScanRecord` from a report, `sqlite.ts` persists it, and both the
 * SQLite loader and the in-memory builder (`memory.ts`) produce the same `HistoryData`.
 */
import type { ResourceType, Severity, Status } from '../model/finding.js';
import type { ComplianceStatus, KeySummary, Summary } from '../model/report.js';
import type { ShardOfRound } from '../model/shard.js';

/** How an open failure ended. Only `fixed` counts toward time to remediate. */
export type Resolution =
  /** the same rule on the same resource later passed */
  | 'fixed'
  /**
   * the rule stopped applying to the resource (NOT_APPLICABLE, e.g. a key scheduled for deletion is
   * no longer judged for rotation): nothing was remediated
   */
  | 'not-applicable'
  /** the resource disappeared from a scan that covers its account and region: deleted, not remediated */
  | 'resource-gone'
  /** the resource is still there but the rule no longer reports on it (rule turned off or removed) */
  | 'not-evaluated';

/** The compliance of a cluster or instance group in one scan, without its identity (so states repeat). */
export interface ComplianceState {
  status: ComplianceStatus;
  /** `ruleId@severity` of the unsuppressed failures that make it non-compliant. */
  failing: string[];
  /**
   * `ruleId@severity` of the unsuppressed UNKNOWN findings (never compliant, in a breakdown by rule
   * or severity too). Absent when there are none, and in states saved before it was recorded.
   */
  unknown?: string[];
  /**
   * `ruleId@severity` of the suppressed failures and unknowns (compliant by exception). Absent when
   * there are none, and in states saved before it was recorded.
   */
  excepted?: string[];
  account: string;
  region: string;
  project?: string;
  owner?: string;
}

/** What the cost model and the key map need of a key in one scan. */
export type KeyState = Omit<KeySummary, 'arn' | 'account' | 'region'>;

export interface ScanMeta {
  reportId: string;
  source: string;
  startedAt: string;
  finishedAt: string;
  /** finishedAt in epoch ms: the time the scan is placed at (`--now`). */
  at: number;
  accounts: string[];
  regions: string[];
  inputs: string[];
  /** Scope keys the scan covers (see record.ts): what may be declared gone when missing. */
  scope: string[];
  /**
   * Scope keys the scan looked at but could not collect in full (listing or describing clusters
   * failed there): never in `scope`, so nothing there is declared gone or fixed by absence, and the
   * scan's compliance point is marked incomplete. Absent in scans saved before it was recorded.
   */
  incomplete?: string[];
  /**
   * A shard of an organization scan (`scan --org --shard K/N --round ID`): its scope holds only its
   * own accounts, and the N shards of one round together stand for one scan (`rounds.ts`).
   */
  shard?: ShardOfRound;
  toolVersion: string;
  summary: Summary;
}

export type ResourceRecord =
  | {
      rid: string;
      type: 'cluster' | 'instance-group';
      name: string;
      cluster?: string;
      scope: string;
      state: ComplianceState;
    }
  | {
      rid: string;
      type: 'kms-key';
      name: string;
      account: string;
      region: string;
      scope: string;
      state: KeyState;
    }
  | { rid: string; type: 'account'; name: string; account: string; scope: string };

export interface FindingObservation {
  fingerprint: string;
  ruleId: string;
  rid: string;
  resourceType: ResourceType;
  status: Status;
  severity: Severity;
  suppressed: boolean;
  message: string;
  scope: string;
  account?: string;
  region?: string;
  name: string;
  project?: string;
  owner?: string;
}

/** A denied call on a key, from the inventory's CloudTrail events or an exported log file. */
export interface AccessDeniedEvent {
  eventId: string;
  eventTime: string;
  at: number;
  account: string;
  region: string;
  /** The key ARN when the reference could be resolved, else the reference as the event gave it. */
  key: string;
  principal: string;
  eventName: string;
  errorCode: string;
}

export interface ScanRecord {
  scan: ScanMeta;
  resources: ResourceRecord[];
  findings: FindingObservation[];
  events: AccessDeniedEvent[];
}

// ---------------------------------------------------------------------------------------------
// What the reducers read

export interface ScanEntry extends ScanMeta {
  id: number;
}

/** How many clusters or instance groups of a scan were in one compliance state. */
export interface ComplianceTally {
  scanId: number;
  type: 'cluster' | 'instance-group';
  state: ComplianceState;
  count: number;
}

/** A cluster or instance group as last seen (the newest scan that covers its scope). */
export interface CurrentResource {
  rid: string;
  type: 'cluster' | 'instance-group';
  name: string;
  cluster?: string;
  /** Its scope (`aws:<account>:<region>`, or `iac:<inputs>` for a resource of templates). */
  scope: string;
  scanId: number;
  state: ComplianceState;
}

/** A key over time: each distinct state with the first and last scan that saw it. */
export interface KeyTimeline {
  arn: string;
  account: string;
  region: string;
  spans: { state: KeyState; firstAt: number; lastAt: number }[];
  /** Seen in the newest scan that covers its scope (so it still exists at the window's end). */
  current: boolean;
}

export interface Episode {
  openedAt: number;
  resolvedAt?: number;
  resolution?: Resolution;
  severity: Severity;
}

export interface FindingEntry {
  fingerprint: string;
  ruleId: string;
  rid: string;
  resourceType: ResourceType;
  name: string;
  account?: string;
  region?: string;
  project?: string;
  owner?: string;
  severity: Severity;
  /** The status when last seen. */
  status: Status;
  suppressed: boolean;
  message: string;
  firstSeenAt: number;
  lastSeenAt: number;
  /** Failure episodes, oldest first: a finding that is fixed and fails again opens a new one. */
  episodes: Episode[];
}

export interface HistoryData {
  scans: ScanEntry[];
  tallies: ComplianceTally[];
  /**
   * A store read with a window: the scans before it that the trend's first point carries in (for
   * each scope, the newest scan before the window that covered it) with their tallies, and the
   * latest round of a sharded scan and the scans after it (which say whether it is complete now),
   * without. Absent when `scans` holds every scan (the in-memory builder), where the reducers find
   * them themselves.
   */
  prior?: { scans: ScanEntry[]; tallies: ComplianceTally[] };
  current: CurrentResource[];
  keys: KeyTimeline[];
  findings: FindingEntry[];
  events: AccessDeniedEvent[];
}
