/**
 * Actual KMS spend from AWS Cost Explorer (`kpi --cost-explorer`): GetCostAndUsage, monthly, for
 * the SERVICE "AWS Key Management Service", grouped by a cost allocation tag (project, owner) or
 * by linked account. Read-only; each request is billed by AWS ($0.01), so the KPI makes one per
 * grouping. Tags appear only once activated as cost allocation tags in the Billing console.
 */
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
} from '@aws-sdk/client-cost-explorer';
import type { ActualCost, ActualCostGroup, CostGrouping } from '../../kpi/cost.js';
import type { Gap } from '../../model/inventory.js';
import { err, ok, type Result } from '../../model/result.js';
import { requestHandlerOptions } from './timeouts.js';

export type { ActualCost, ActualCostGroup, CostGrouping };

export const KMS_SERVICE = 'AWS Key Management Service';
const MAX_PAGES = 100;

export function createCostExplorerClient(options: { profile?: string } = {}): CostExplorerClient {
  // Cost Explorer has one endpoint, in us-east-1.
  return new CostExplorerClient({
    region: 'us-east-1',
    maxAttempts: 5,
    requestHandler: requestHandlerOptions(),
    ...(options.profile ? { profile: options.profile } : {}),
  });
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const cents = (usd: number) => Math.round(usd * 100) / 100;

export async function fetchKmsActualCost(
  client: CostExplorerClient,
  window: { since: number; until: number },
  grouping: CostGrouping,
): Promise<Result<ActualCost, Gap>> {
  const groupedBy = grouping.type === 'TAG' ? `tag:${grouping.key}` : 'account';
  const input: GetCostAndUsageCommandInput = {
    // The end date is exclusive: include the clock's day.
    TimePeriod: { Start: day(window.since), End: day(window.until + 86_400_000) },
    Granularity: 'MONTHLY',
    Metrics: ['UnblendedCost'],
    Filter: { Dimensions: { Key: 'SERVICE', Values: [KMS_SERVICE] } },
    GroupBy: [{ Type: grouping.type, Key: grouping.key }],
  };
  const months = new Map<string, { totalUsd: number; estimated: boolean }>();
  const groups = new Map<string, ActualCostGroup>();
  let token: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await client.send(
        new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) }),
      );
      for (const result of response.ResultsByTime ?? []) {
        const month = (result.TimePeriod?.Start ?? '').slice(0, 7);
        if (!month) continue;
        const entry = months.get(month) ?? { totalUsd: 0, estimated: false };
        entry.estimated ||= result.Estimated === true;
        for (const group of result.Groups ?? []) {
          const raw = group.Keys?.[0] ?? '';
          // Tag groups come back as "<key>$<value>", "<key>$" when untagged.
          const value = grouping.type === 'TAG' ? raw.slice(raw.indexOf('$') + 1) : raw;
          const name = value === '' ? '(untagged)' : value;
          const amount = Number(group.Metrics?.UnblendedCost?.Amount ?? 0);
          if (!Number.isFinite(amount)) continue;
          const g = groups.get(name) ?? { group: name, totalUsd: 0, months: {} };
          g.months[month] = cents((g.months[month] ?? 0) + amount);
          g.totalUsd = cents(g.totalUsd + amount);
          groups.set(name, g);
          entry.totalUsd = cents(entry.totalUsd + amount);
        }
        months.set(month, entry);
      }
      token = response.NextPageToken;
      if (!token) break;
    }
  } catch (error) {
    const e = error as { name?: string; message?: string };
    const denied = e.name === 'AccessDeniedException' || e.name === 'AccessDenied';
    return err({
      code: denied
        ? 'aws.access_denied'
        : e.name === 'DataUnavailableException'
          ? 'aws.data_unavailable'
          : e.name === 'LimitExceededException' || e.name === 'ThrottlingException'
            ? 'aws.throttled'
            : 'aws.error',
      service: 'ce',
      operation: 'GetCostAndUsage',
      message: denied
        ? `access denied: the caller needs ce:GetCostAndUsage (${e.message ?? e.name})`
        : `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
    });
  }
  const sortedMonths = [...months.entries()].sort(([a], [b]) => a.localeCompare(b));
  return ok({
    groupedBy,
    months: sortedMonths.map(([month, m]) => ({ month, ...m })),
    totalUsd: cents(sortedMonths.reduce((s, [, m]) => s + m.totalUsd, 0)),
    groups: [...groups.values()].sort((a, b) => b.totalUsd - a.totalUsd || a.group.localeCompare(b.group)),
  });
}
