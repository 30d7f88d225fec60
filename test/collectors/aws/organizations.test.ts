import { describe, expect, it } from 'vitest';
import type { AwsSession } from '../../../src/collectors/aws/clients.js';
import { ScanContext } from '../../../src/collectors/aws/context.js';
import { describeOrganization } from '../../../src/collectors/aws/organizations.js';

const ACCOUNT = '111122223333';
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

/** A scan context whose Organizations client answers `send` with what the row says. */
function contextAnswering(answer: () => Promise<unknown>): ScanContext {
  const session = { for: () => ({ send: answer }) } as unknown as AwsSession;
  return new ScanContext(session, 'aws', true, undefined, undefined);
}

// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html
describe('describeOrganization: an account in an organization, in none, or unreadable', () => {
  const rows: [string, () => Promise<unknown>, string | null | undefined, [string, string][]][] = [
    ['in an organization', async () => ({ Organization: { Id: 'o-a1b2c3d4e5' } }), 'o-a1b2c3d4e5', []],
    [
      'in no organization (AWSOrganizationsNotInUseException)',
      async () => {
        throw awsError(
          'AWSOrganizationsNotInUseException',
          "Your account isn't a member of an organization.",
        );
      },
      null,
      [],
    ],
    [
      'AccessDenied',
      async () => {
        throw awsError('AccessDeniedException');
      },
      undefined,
      [['aws.access_denied', 'DescribeOrganization']],
    ],
    [
      'throttled past the retries',
      async () => {
        throw awsError('TooManyRequestsException');
      },
      undefined,
      [['aws.throttled', 'DescribeOrganization']],
    ],
    [
      'an answer without a valid id',
      async () => ({ Organization: { Id: 'not-an-org\u001b[31m' } }),
      undefined,
      [['aws.invalid_response', 'DescribeOrganization']],
    ],
    ['an empty answer', async () => ({}), undefined, [['aws.invalid_response', 'DescribeOrganization']]],
  ];
  it.each(rows)('%s', async (_name, answer, expected, gaps) => {
    const ctx = contextAnswering(answer);
    await expect(describeOrganization(ctx, ACCOUNT, 'us-east-1')).resolves.toBe(expected);
    expect(ctx.gaps.map((g) => [g.code, g.operation])).toEqual(gaps);
    for (const g of ctx.gaps) expect(g).toMatchObject({ service: 'organizations', account: ACCOUNT });
  });
});
