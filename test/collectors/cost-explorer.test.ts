import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchKmsActualCost, KMS_SERVICE } from '../../src/collectors/aws/cost-explorer.js';

const ce = mockClient(CostExplorerClient);
afterEach(() => ce.reset());
const window = { since: Date.parse('2026-09-15T00:00:00Z'), until: Date.parse('2026-11-20T12:00:00Z') };
const client = () =>
  new CostExplorerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

describe('Cost Explorer (actual KMS spend)', () => {
  it('asks for KMS spend by month grouped by tag, follows pages, and sums per group', async () => {
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-09-15', End: '2026-10-01' },
            Estimated: false,
            Groups: [
              { Keys: ['project$llm'], Metrics: { UnblendedCost: { Amount: '3.5', Unit: 'USD' } } },
              { Keys: ['project$'], Metrics: { UnblendedCost: { Amount: '0.25', Unit: 'USD' } } },
            ],
          },
        ],
        NextPageToken: 'page-2',
      })
      .resolvesOnce({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-01', End: '2026-11-21' },
            Estimated: true,
            Groups: [{ Keys: ['project$llm'], Metrics: { UnblendedCost: { Amount: '4.125', Unit: 'USD' } } }],
          },
        ],
      });
    const result = await fetchKmsActualCost(client(), window, { type: 'TAG', key: 'project' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toEqual({
      groupedBy: 'tag:project',
      months: [
        { month: '2026-09', totalUsd: 3.75, estimated: false },
        { month: '2026-11', totalUsd: 4.13, estimated: true },
      ],
      totalUsd: 7.88,
      groups: [
        { group: 'llm', totalUsd: 7.63, months: { '2026-09': 3.5, '2026-11': 4.13 } },
        { group: '(untagged)', totalUsd: 0.25, months: { '2026-09': 0.25 } },
      ],
    });
    const calls = ce.commandCalls(GetCostAndUsageCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toEqual({
      TimePeriod: { Start: '2026-09-15', End: '2026-11-21' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      Filter: { Dimensions: { Key: 'SERVICE', Values: [KMS_SERVICE] } },
      GroupBy: [{ Type: 'TAG', Key: 'project' }],
    });
    expect(calls[1]!.args[0].input.NextPageToken).toBe('page-2');
  });

  it('turns AccessDenied into a gap that names the permission', async () => {
    const error = Object.assign(new Error('User is not authorized to perform ce:GetCostAndUsage'), {
      name: 'AccessDeniedException',
    });
    ce.on(GetCostAndUsageCommand).rejects(error);
    const result = await fetchKmsActualCost(client(), window, { type: 'DIMENSION', key: 'LINKED_ACCOUNT' });
    expect(result.ok || result.error).toMatchObject({
      code: 'aws.access_denied',
      service: 'ce',
      operation: 'GetCostAndUsage',
    });
    expect(result.ok || result.error.message).toContain('ce:GetCostAndUsage');
  });
});
