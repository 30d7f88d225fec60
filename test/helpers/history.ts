/**
 * A scripted history: two clusters over six scans at chosen times, in which a finding appears,
 * persists and is fixed, a suppression expires, a cluster is deleted, and denied key calls are
 * seen twice (deduplicated). The store tests and the CLI tests replay it.
 */
import { resolveConfig } from '../../src/config/schema.js';
import type { Inventory, Key } from '../../src/model/inventory.js';
import type { Report } from '../../src/model/report.js';
import { runPipeline } from '../../src/pipeline.js';
import {
  cluster,
  EXEC_ROLE,
  group,
  inventory,
  key,
  role,
  rootVolume,
  secondaryVolume,
  trail,
  trailEvent,
} from './inventory.js';

export const DAY = 86_400_000;
export const T0 = Date.parse('2026-11-01T00:00:00.000Z');
export const at = (days: number) => new Date(T0 + days * DAY);

/** Suppresses the tag finding of k1 until day 6 (it expires between scans 3 and 4). */
export const SCENARIO_CONFIG = {
  keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'],
  cloudtrail: { accessDeniedThreshold: 1000 },
  suppressions: [
    {
      rule: 'kms-key-required-tags',
      resource: 'arn:aws:kms:us-east-1:111122223333:key/k1',
      reason: 'owner tag rollout',
      expires: new Date(T0 + 6 * DAY).toISOString(),
    },
  ],
};

export interface ScenarioScan {
  day: number;
  inventory: Inventory;
}

const P1 = 'arn:aws:sts::111122223333:assumed-role/sandbox/mallory';
const P2 = 'arn:aws:sts::111122223333:assumed-role/ci/runner';

function estate(day: number): Inventory {
  const k1Tags = day >= 2 && day < 20 ? { project: 'llm' } : { owner: 'ml-platform', project: 'llm' };
  const k1: Key = key('k1', {
    tags: k1Tags,
    metadata: { ...key('k1').metadata!, creationDate: '2026-10-01T00:00:00.000Z' },
  });
  const k2Rotation = day >= 2 && day < 9 ? { enabled: false } : { enabled: true, periodInDays: 365 };
  const k2Tags = day >= 9 ? { project: 'vision' } : { owner: 'vision-team', project: 'vision' };
  const k2: Key = key('k2', { rotation: k2Rotation, tags: k2Tags });
  const alpha = cluster('alpha', [
    group('workers', { volumes: [rootVolume(k1.arn), secondaryVolume(k1.arn)] }),
  ]);
  const beta = cluster('beta', [group('gpu', { volumes: [rootVolume(k2.arn), secondaryVolume(k2.arn)] })], {
    tags: { owner: 'vision-team', project: 'vision', 'data-sensitivity': 'internal' },
  });
  const betaDeleted = day >= 12;
  const events = [
    ...(day >= 2 && day < 12
      ? [
          trailEvent({
            eventId: 'ev-1',
            eventName: 'Decrypt',
            eventTime: at(1).toISOString(),
            errorCode: 'AccessDenied',
            principalArn: P1,
            keyRef: k1.arn,
          }),
          trailEvent({
            eventId: 'ev-2',
            eventName: 'Decrypt',
            eventTime: at(1.5).toISOString(),
            errorCode: 'AccessDeniedException',
            principalArn: P1,
            keyRef: 'alias/k1',
          }),
        ]
      : []),
    ...(day >= 5 && day < 12
      ? [
          trailEvent({
            eventId: 'ev-3',
            eventName: 'CreateGrant',
            eventTime: at(4).toISOString(),
            errorCode: 'AccessDenied',
            principalArn: P2,
            keyRef: 'k2',
          }),
        ]
      : []),
    // Succeeded: not an attempt.
    trailEvent({
      eventId: 'ev-ok',
      eventName: 'Decrypt',
      eventTime: at(1).toISOString(),
      principalArn: P2,
      keyRef: k1.arn,
    }),
  ];
  return inventory({
    generatedAt: at(day).toISOString(),
    clusters: betaDeleted ? [alpha] : [alpha, beta],
    keys: betaDeleted ? [k1] : [k1, k2],
    roles: [
      role(EXEC_ROLE, {
        kmsStatements: [
          { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: [k1.arn, k2.arn] },
        ],
      }),
    ],
    trails: [trail()],
    events,
  });
}

export const SCENARIO_DAYS = [0, 2, 5, 9, 12, 20] as const;

export function scenarioScans(): ScenarioScan[] {
  return SCENARIO_DAYS.map((day) => ({ day, inventory: estate(day) }));
}

export function scenarioReport(scan: ScenarioScan): Report {
  return runPipeline(scan.inventory, { config: resolveConfig(SCENARIO_CONFIG), now: at(scan.day) }).report;
}
