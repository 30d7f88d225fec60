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
import type { Finding, ResourceRef, Severity } from '../model/finding.js';
import { severityRank } from '../model/finding.js';
import type { Gap, Inventory, TrailEvent } from '../model/inventory.js';
import { isIacSource } from '../model/inventory.js';
import type { KeySummary, Report } from '../model/report.js';
import { shardOf } from '../model/shard.js';
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

export function scanRecord(report: Report, inventory?: Pick<Inventory, 'accounts' | 'events'>): ScanRecord {
  const iac = isIacSource(report.scan.source);
  const inputs = [...(report.scan.inputs ?? [])].sort();
  const iacScope = `iac:${inputs.join('|')}`;
  const scopeOf = (account: string | undefined, region: string | undefined): string =>
    iac
      ? iacScope
      : account && region
        ? regionScope(account, region)
        : account
          ? accountScope(account)
          : iacScope;

  // The severity each failing rule was reported at, for compliance breakdowns by severity.
  const ruleSeverity = new Map<string, Severity>();
  for (const f of report.findings) {
    if (f.status !== 'FAIL' || f.suppressed) continue;
    const seen = ruleSeverity.get(f.ruleId);
    if (!seen || severityRank(f.severity) > severityRank(seen)) ruleSeverity.set(f.ruleId, f.severity);
  }
  const failingWithSeverity = (rules: readonly string[]) =>
    rules.map((rule) => `${rule}@${ruleSeverity.get(rule) ?? 'medium'}`);

  const resources: ResourceRecord[] = [];
  const tagsOf = new Map<string, Tagged>();
  const clusterNames = new Map<string, string>();
  for (const cluster of report.clusters) {
    const owned = ownership(cluster.tags);
    tagsOf.set(cluster.id, owned);
    clusterNames.set(cluster.id, cluster.name);
    const state: ComplianceState = {
      status: cluster.status,
      failing: failingWithSeverity(cluster.failing),
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
        failing: failingWithSeverity(group.failing ?? []),
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
  const findings: FindingObservation[] = report.findings.map((f: Finding) => {
    const r = f.resource;
    const owned = tagsOf.get(r.id) ?? (r.keyArn ? tagsOf.get(r.keyArn) : undefined) ?? {};
    const name = resourceName(r, aliasOf);
    return {
      fingerprint: f.fingerprint,
      ruleId: f.ruleId,
      rid: r.id,
      resourceType: r.type,
      status: f.status,
      severity: f.severity,
      suppressed: f.suppressed !== null,
      message: f.message,
      scope: scopeOf(r.account, r.region),
      ...(r.account ? { account: r.account } : {}),
      ...(r.region ? { region: r.region } : {}),
      name,
      ...owned,
    };
  });

  // What the scan looked at: each account in each region it scanned, plus wherever it found something.
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
      at: Date.parse(report.scan.finishedAt),
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
    const at = Date.parse(event.eventTime);
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
