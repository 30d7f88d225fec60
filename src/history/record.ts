/**
 * Turns a report (and the inventory it came from) into what history keeps of the scan. Pure.
 *
 * Scope: a scan can only declare a resource gone where it looked. Live and snapshot resources
 * are scoped by account and region (`aws:<account>:<region>`, accounts alone `aws:<account>`);
 * IaC resources by the set of inputs the scan read (`iac:<inputs>`), so a scan of one template
 * never closes the findings of another. A shard of an organization scan covers only the accounts
 * of its shard: a key of another shard's account that one of its clusters uses is recorded, but
 * whether it is gone is for the round as a whole to say (lifecycle.ts).
 */
import { parseIsoTime } from '../model/dates.js';
import type { Finding, ResourceRef, Severity } from '../model/finding.js';
import { severityRank } from '../model/finding.js';
import type { Gap, Inventory, TrailEvent } from '../model/inventory.js';
import { isIacSource } from '../model/inventory.js';
import type { KeySummary, Report } from '../model/report.js';
import { shardOf } from '../model/shard.js';
import { madeWhenRead, Stamped } from '../model/stamped.js';
import type {
  AccessDeniedEvent,
  ComplianceState,
  FindingObservation,
  ResourceRecord,
  ScanRecord,
} from './types.js';

export const accountScope = (account: string): string => `aws:${account}`;
export const regionScope = (account: string, region: string): string => `aws:${account}:${region}`;

interface Tagged {
  project?: string;
  owner?: string;
}

function ownership(tags: Readonly<Record<string, string>> | undefined): Tagged {
  return {
    ...(tags?.project ? { project: tags.project } : {}),
    ...(tags?.owner ? { owner: tags.owner } : {}),
  };
}

/** CloudTrail spells KMS access denials both ways (shared/aws-facts.md §8.2). */
export const isAccessDeniedCode = (code: string | undefined): boolean =>
  code === 'AccessDenied' || code === 'AccessDeniedException';

/** Resolves a key reference (ARN, id, alias, alias ARN) against the keys of a report. */
export function keyResolver(
  keys: readonly Pick<KeySummary, 'arn' | 'aliases' | 'account' | 'region'>[],
): (ref: string, account: string, region: string) => string {
  const byArn = new Set(keys.map((k) => k.arn));
  const local = new Map<string, string>();
  for (const key of keys) {
    const id = key.arn.split('/').pop();
    if (id) local.set(`${key.account}|${key.region}|${id}`, key.arn);
    for (const alias of key.aliases) {
      local.set(`${key.account}|${key.region}|${alias}`, key.arn);
      local.set(`${key.account}|${key.region}|arn:aws:kms:${key.region}:${key.account}:${alias}`, key.arn);
    }
  }
  return (ref, account, region) => {
    if (byArn.has(ref)) return ref;
    const arnMatch = /^arn:aws[a-z-]*:kms:([^:]+):(\d{12}):(.+)$/.exec(ref);
    if (arnMatch) {
      const [, r, a, rest] = arnMatch;
      const id = rest!.startsWith('key/') ? rest!.slice(4) : rest!;
      return local.get(`${a}|${r}|${id}`) ?? local.get(`${a}|${r}|${ref}`) ?? ref;
    }
    return local.get(`${account}|${region}|${ref}`) ?? ref;
  };
}

/** Key ARN to its first alias, for naming keys the way people know them. */
export const keyAliases = (report: Report): ReadonlyMap<string, string> =>
  new Map((report.keys ?? []).flatMap((k) => (k.aliases[0] ? [[k.arn, k.aliases[0]] as const] : [])));

/** How a finding's resource is shown: cluster/group, cluster name, or "alias (key ARN)". */
export function resourceName(r: ResourceRef, aliasOf: ReadonlyMap<string, string>): string {
  if (r.type === 'instance-group' && r.cluster && r.instanceGroup) return `${r.cluster}/${r.instanceGroup}`;
  if (r.type === 'cluster') return r.cluster ?? r.id;
  const alias = r.type === 'kms-key' ? aliasOf.get(r.id) : undefined;
  return alias ? `${alias} (${r.id})` : r.id;
}

/**
 * Calls whose failure leaves a scope incomplete: without them the scan does not know which clusters
 * (or which of a cluster's instance groups) exist there, so absence proves nothing.
 */
const SCOPE_CALLS: ReadonlySet<string> = new Set([
  'sagemaker:ListClusters',
  'sagemaker:DescribeCluster',
  'sts:AssumeRole',
  'ec2:DescribeRegions',
]);

/** The scopes that a live scan's gaps leave incomplete (region, or the whole account). */
export function incompleteScopes(
  gaps: readonly Gap[],
  regionsOf: (account: string) => readonly string[],
): string[] {
  const incomplete = new Set<string>();
  for (const gap of gaps) {
    if (!gap.account || !SCOPE_CALLS.has(`${gap.service}:${gap.operation}`)) continue;
    if (gap.region && gap.service === 'sagemaker') {
      incomplete.add(regionScope(gap.account, gap.region));
      continue;
    }
    // An account that could not be entered (or whose Regions could not be listed) is unknown everywhere.
    incomplete.add(accountScope(gap.account));
    for (const region of regionsOf(gap.account)) incomplete.add(regionScope(gap.account, region));
  }
  return [...incomplete].sort();
}

/**
 * An observation's message is its finding's, made when read and not kept: an organisation's scan
 * has close to a million findings, and history stores the message only of the findings it writes
 * (failing or unknown ones, and those it knew before), so most messages are never made, and none
 * is held by the record. An own, enumerable accessor at the message's place among the keys: the
 * observation reads, spreads, compares and serialises as a plain one. A message assigned to it is kept.
 */
class MessageOf extends Stamped {
  /** The finding whose message it is, or the message assigned to the observation. */
  #source: Pick<Finding, 'message'> | string;

  private constructor(observation: object, finding: Pick<Finding, 'message'>) {
    super(observation);
    this.#source = finding;
  }

  static define(observation: FindingObservation, finding: Pick<Finding, 'message'>): void {
    Object.defineProperty(observation, 'message', MESSAGE);
    new MessageOf(observation, finding);
  }

  static read(observation: object): string {
    const source = (observation as MessageOf).#source;
    return typeof source === 'string' ? source : source.message;
  }

  static assign(observation: object, value: string): void {
    (observation as MessageOf).#source = value;
  }
}

const MESSAGE = madeWhenRead(MessageOf.read, MessageOf.assign);

const NOT_OWNED: Tagged = Object.freeze({});

/**
 * Builds an observation on `this`: called with `new`, so that V8 gives every observation room for
 * all its properties in the object itself (one allocation each; a scan may have a million). Keys
 * in the order of the `FindingObservation` type; its prototype is `Object.prototype`.
 */
function ObservationShape(
  this: FindingObservation,
  finding: Finding,
  scope: string,
  name: string,
  owned: Tagged,
): void {
  const r = finding.resource;
  this.fingerprint = finding.fingerprint;
  this.ruleId = finding.ruleId;
  this.rid = r.id;
  this.resourceType = r.type;
  this.status = finding.status;
  this.severity = finding.severity;
  this.suppressed = finding.suppressed !== null;
  MessageOf.define(this, finding);
  this.scope = scope;
  if (r.account) this.account = r.account;
  if (r.region) this.region = r.region;
  this.name = name;
  if (owned.project) this.project = owned.project;
  if (owned.owner) this.owner = owned.owner;
}
ObservationShape.prototype = Object.prototype;

type ObservationConstructor = new (...args: Parameters<typeof ObservationShape>) => FindingObservation;

export function scanRecord(report: Report, inventory?: Pick<Inventory, 'accounts' | 'events'>): ScanRecord {
  const iac = isIacSource(report.scan.source);
  const inputs = [...(report.scan.inputs ?? [])].sort();
  const iacScope = `iac:${inputs.join('|')}`;
  // One string per scope, shared by the resources and findings in it (a scan may have a million findings).
  const scopes = new Map<string, Map<string | undefined, string>>();
  const scopeOf = (account: string | undefined, region: string | undefined): string => {
    if (iac || !account) return iacScope;
    let ofAccount = scopes.get(account);
    if (!ofAccount) {
      ofAccount = new Map();
      scopes.set(account, ofAccount);
    }
    let scope = ofAccount.get(region);
    if (scope === undefined) {
      scope = region ? regionScope(account, region) : accountScope(account);
      ofAccount.set(region, scope);
    }
    return scope;
  };

  // The severity each rule was reported at when failing, unknown or excepted (suppressed), for
  // compliance breakdowns by rule and severity: an UNKNOWN is never compliant there either.
  const severities = {
    failing: new Map<string, Severity>(),
    unknown: new Map<string, Severity>(),
    excepted: new Map<string, Severity>(),
  };
  for (const f of report.findings) {
    if (f.status !== 'FAIL' && f.status !== 'UNKNOWN') continue;
    const bySeverity = f.suppressed
      ? severities.excepted
      : f.status === 'FAIL'
        ? severities.failing
        : severities.unknown;
    const seen = bySeverity.get(f.ruleId);
    if (!seen || severityRank(f.severity) > severityRank(seen)) bySeverity.set(f.ruleId, f.severity);
  }
  const withSeverity = (rules: readonly string[], kind: keyof typeof severities) =>
    rules.map((rule) => `${rule}@${severities[kind].get(rule) ?? 'medium'}`);
  /** The rules behind a status, each list only when it has some (a state's text stays as it was without). */
  const judged = (r: {
    failing?: readonly string[] | undefined;
    unknown?: readonly string[] | undefined;
    excepted?: readonly string[] | undefined;
  }) => {
    const unknown = withSeverity(r.unknown ?? [], 'unknown');
    const excepted = withSeverity(r.excepted ?? [], 'excepted');
    return {
      failing: withSeverity(r.failing ?? [], 'failing'),
      ...(unknown.length ? { unknown } : {}),
      ...(excepted.length ? { excepted } : {}),
    };
  };

  const resources: ResourceRecord[] = [];
  const tagsOf = new Map<string, Tagged>();
  const clusterNames = new Map<string, string>();
  for (const cluster of report.clusters) {
    const owned = ownership(cluster.tags);
    tagsOf.set(cluster.id, owned);
    clusterNames.set(cluster.id, cluster.name);
    const state: ComplianceState = {
      status: cluster.status,
      ...judged(cluster),
      account: cluster.account,
      region: cluster.region,
      ...owned,
    };
    resources.push({
      rid: cluster.id,
      type: 'cluster',
      name: cluster.name,
      scope: scopeOf(cluster.account, cluster.region),
      state,
    });
  }
  for (const group of report.instanceGroups ?? []) {
    const owned = tagsOf.get(group.cluster) ?? {};
    tagsOf.set(group.id, owned);
    resources.push({
      rid: group.id,
      type: 'instance-group',
      name: group.name,
      cluster: clusterNames.get(group.cluster) ?? group.cluster,
      scope: scopeOf(group.account, group.region),
      state: {
        status: group.status,
        ...judged(group),
        account: group.account,
        region: group.region,
        ...owned,
      },
    });
  }
  for (const key of report.keys ?? []) {
    const { arn, account, region, ...state } = key;
    tagsOf.set(arn, ownership(key.tags));
    resources.push({
      rid: arn,
      type: 'kms-key',
      name: key.aliases[0] ?? arn,
      account,
      region,
      scope: scopeOf(account, region),
      state,
    });
  }
  const accounts = new Set(report.scan.accounts);
  for (const account of accounts) {
    resources.push({
      rid: account,
      type: 'account',
      name: account,
      account,
      scope: scopeOf(account, undefined),
    });
  }

  const aliasOf = keyAliases(report);
  // What an observation takes from its resource (scope, name, owner tags), made once per resource:
  // the engine shares one reference among a resource's findings, and a scan may have a million.
  interface Place {
    scope: string;
    name: string;
    owned: Tagged;
  }
  let lastRef: ResourceRef | undefined;
  let lastPlace: Place | undefined;
  const places = new Map<ResourceRef, Place>();
  const placeOf = (r: ResourceRef): Place => {
    if (r === lastRef) return lastPlace!;
    let place = places.get(r);
    if (place === undefined) {
      place = {
        scope: scopeOf(r.account, r.region),
        name: resourceName(r, aliasOf),
        owned: tagsOf.get(r.id) ?? (r.keyArn ? tagsOf.get(r.keyArn) : undefined) ?? NOT_OWNED,
      };
      places.set(r, place);
    }
    lastRef = r;
    lastPlace = place;
    return place;
  };
  const findings: FindingObservation[] = report.findings.map((f: Finding) => {
    const place = placeOf(f.resource);
    return new (ObservationShape as unknown as ObservationConstructor)(
      f,
      place.scope,
      place.name,
      place.owned,
    );
  });

  // What the scan looked at: each account in each region it scanned. A resource found elsewhere
  // (another account's key that a cluster uses, a key of another Region) was looked at, not its
  // account or Region: the clusters there were not listed, so nothing there is gone. Only a scan
  // that names no account at all (an inventory without them) is taken to cover where it found things.
  const scope = new Set<string>();
  if (iac) scope.add(iacScope);
  else {
    const perAccount = inventory?.accounts.length
      ? inventory.accounts.map((a) => [a.id, a.regions] as const)
      : report.scan.accounts.map((a) => [a, report.scan.regions] as const);
    for (const [account, regions] of perAccount) {
      scope.add(accountScope(account));
      for (const region of regions) scope.add(regionScope(account, region));
    }
  }
  const shard = report.scan.shard;
  const ofOtherShard = (scopeKey: string): boolean => {
    const account = /^aws:(\d{12})(?::|$)/.exec(scopeKey)?.[1];
    return shard !== undefined && account !== undefined && shardOf(account, shard.count) !== shard.index;
  };
  if (scope.size === 0)
    for (const resource of resources) if (!ofOtherShard(resource.scope)) scope.add(resource.scope);
  const regionsOf = (account: string) =>
    inventory?.accounts.find((a) => a.id === account)?.regions ?? report.scan.regions;
  const incomplete = iac ? [] : incompleteScopes(report.gaps, regionsOf);
  for (const s of incomplete) scope.delete(s);

  const events = accessDeniedEvents(inventory?.events ?? [], keyResolver(report.keys ?? []));

  return {
    scan: {
      reportId: report.scan.id,
      source: report.scan.source,
      startedAt: report.scan.startedAt,
      finishedAt: report.scan.finishedAt,
      at: parseIsoTime(report.scan.finishedAt) ?? Number.NaN,
      accounts: [...report.scan.accounts],
      regions: [...report.scan.regions],
      inputs,
      scope: [...scope].sort(),
      ...(incomplete.length ? { incomplete } : {}),
      ...(shard ? { shard: { index: shard.index, count: shard.count, round: shard.round } } : {}),
      toolVersion: report.tool.version,
      summary: report.summary,
    },
    resources,
    findings,
    events,
  };
}

/** The denied KMS calls among CloudTrail events, with their key references resolved. */
export function accessDeniedEvents(
  trail: readonly TrailEvent[],
  resolveKey: (ref: string, account: string, region: string) => string,
): AccessDeniedEvent[] {
  const events: AccessDeniedEvent[] = [];
  for (const event of trail) {
    if (!isAccessDeniedCode(event.errorCode) || !event.keyRef) continue;
    if (event.eventSource !== 'kms.amazonaws.com') continue;
    const at = parseIsoTime(event.eventTime) ?? Number.NaN;
    if (Number.isNaN(at)) continue;
    events.push({
      eventId: event.eventId,
      eventTime: new Date(at).toISOString(),
      at,
      account: event.account,
      region: event.region,
      key: resolveKey(event.keyRef, event.account, event.region),
      principal: event.principalArn ?? 'unknown principal',
      eventName: event.eventName,
      errorCode: event.errorCode!,
    });
  }
  return events;
}
