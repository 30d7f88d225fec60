/**
 * Reading a snapshot: the inventory and the problems are exactly what `InventorySchema` makes of
 * the parsed JSON, while the arrays are validated an element at a time in place (the parsed
 * snapshot and its validated copy are never both held whole), and the text, when read through a
 * function, is not kept once parsed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoEstate } from '../../src/demo/estate.js';
import { InventorySchema } from '../../src/model/inventory.js';
import { parseSnapshot, serializeSnapshot } from '../../src/model/snapshot.js';
import { validate } from '../../src/model/validate.js';
import { cluster, compliantEstate, gap, group, key, role, trail, trailEvent } from '../helpers/inventory.js';

/** What validating the whole parsed snapshot at once makes of the text. */
function reference(text: string) {
  return validate(InventorySchema, JSON.parse(text));
}

/** An estate with an element in every array member of the inventory. */
function fullEstate() {
  const base = compliantEstate();
  return {
    ...base,
    clusters: [...base.clusters, cluster('c2', [group('g1'), group('g2')])],
    keys: [...base.keys, key('k2')],
    roles: [role()],
    trails: [trail()],
    events: [trailEvent({ eventName: 'Decrypt' })],
    eventsCollected: [{ account: '111122223333', region: 'us-east-1', since: '2026-11-01T00:00:00Z' }],
    gaps: [gap({ operation: 'ListKeys' })],
  };
}

/** The snapshot text with `edit` applied to its parsed form. */
const edited = (edit: (raw: Record<string, unknown>) => void) => {
  const raw = JSON.parse(serializeSnapshot(fullEstate())) as Record<string, unknown>;
  edit(raw);
  return JSON.stringify(raw, null, 2);
};
const arrayOf = (raw: Record<string, unknown>, name: string) => raw[name] as unknown[];

afterEach(() => vi.restoreAllMocks());

describe('parseSnapshot', () => {
  it('every array member of the inventory is in the estate these tests use', () => {
    const arrays = Object.entries(InventorySchema.shape).filter(([, schema]) => schema.def.type === 'array');
    expect(arrays.length).toBeGreaterThan(5);
    for (const [name] of arrays)
      expect((fullEstate() as unknown as Record<string, unknown[]>)[name]?.length, name).toBeGreaterThan(0);
  });

  const valid: [string, string][] = [
    ['the compliant estate', serializeSnapshot(compliantEstate())],
    ['an element in every array', serializeSnapshot(fullEstate())],
    ['the demo estate', serializeSnapshot(demoEstate())],
    [
      'a permissions boundary, unread policies and service control policies',
      serializeSnapshot({
        ...fullEstate(),
        roles: [
          role(undefined, {
            policiesCollected: false,
            unreadPolicies: [
              'managed policy arn:aws:iam::111122223333:policy/x (not defined in the scanned files)',
            ],
            permissionsBoundary: {
              policyArn: 'arn:aws:iam::111122223333:policy/b',
              reason: 'GetPolicy failed',
            },
          }),
        ],
        accounts: [
          {
            id: '111122223333',
            regions: ['us-east-1'],
            source: 'live',
            serviceControlPolicies: [
              { target: 'r-ab12', policies: [{ id: 'p-FullAWSAccess', kmsStatements: [] }] },
            ],
            resourceControlPolicies: [
              {
                target: 'r-ab12',
                policies: [
                  {
                    id: 'p-RCPFullAWSAccess',
                    kmsStatements: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    ],
    [
      'keys in another order than the schema',
      JSON.stringify(Object.fromEntries(Object.entries(fullEstate()).reverse())),
    ],
  ];
  it.each(valid)('gives the inventory InventorySchema gives, keys in the same order: %s', (_, text) => {
    const parsed = parseSnapshot(text, 'inventory.json');
    const expected = reference(text);
    expect(parsed.ok && expected.ok).toBe(true);
    if (!parsed.ok || !expected.ok) return;
    expect(parsed.value).toEqual(expected.value);
    expect(JSON.stringify(parsed.value)).toBe(JSON.stringify(expected.value));
  });

  it('keeps the Version of the documents identity statements were read from; an older snapshot has none', () => {
    const statements = [
      { Effect: 'Allow' as const, Action: 'kms:Decrypt', Resource: '*', documentVersion: '2008-10-17' },
      { Effect: 'Allow' as const, Action: 'kms:Encrypt', Resource: '*', documentVersion: null },
      { Effect: 'Allow' as const, Action: 'kms:CreateGrant', Resource: '*' },
    ];
    const text = serializeSnapshot({
      ...fullEstate(),
      roles: [role(undefined, { kmsStatements: statements })],
    });
    const parsed = parseSnapshot(text, 'inventory.json');
    expect(parsed.ok && parsed.value.roles[0]?.kmsStatements).toEqual(statements);
    const wrong = text.replace('"documentVersion": null', '"documentVersion": 7');
    expect(wrong).not.toBe(text);
    expect(parseSnapshot(wrong, 'inventory.json').ok).toBe(false);
  });

  const invalid: [string, string][] = [
    ['an invalid cluster', edited((raw) => Object.assign(arrayOf(raw, 'clusters')[1]!, { id: 7 }))],
    [
      'an unknown key in the last key',
      edited((raw) => Object.assign(arrayOf(raw, 'keys').at(-1)!, { x: 1 })),
    ],
    [
      'an invalid element in every array',
      edited((raw) => {
        for (const [name] of Object.entries(InventorySchema.shape))
          if (Array.isArray(raw[name])) arrayOf(raw, name).push({ bogus: true });
      }),
    ],
    ['a null element', edited((raw) => arrayOf(raw, 'roles').push(null))],
    [
      'service and resource control policies that are not levels, a boundary with an unknown key, unread policies not texts',
      edited((raw) => {
        Object.assign(arrayOf(raw, 'accounts')[0]!, {
          serviceControlPolicies: [
            { target: 'r-ab12', policies: [{ name: 'no id', kmsStatements: 'all' }] },
            'root',
          ],
          resourceControlPolicies: { 'r-ab12': [] },
        });
        Object.assign(arrayOf(raw, 'roles')[0]!, {
          permissionsBoundary: { policyArn: 'arn:aws:iam::111122223333:policy/b', statements: [] },
          unreadPolicies: [7, null],
        });
      }),
    ],
    [
      'an invalid element and an unknown top-level key',
      edited((raw) => {
        arrayOf(raw, 'events').unshift(1);
        raw.extra = true;
      }),
    ],
    [
      'only an unknown top-level key',
      edited((raw) => {
        raw.extra = true;
      }),
    ],
    [
      'a wrong schema version with valid arrays',
      edited((raw) => {
        raw.schemaVersion = 99;
      }),
    ],
    [
      'an array member that is not an array',
      edited((raw) => {
        raw.clusters = { 0: {} };
      }),
    ],
    [
      'missing array members',
      edited((raw) => {
        delete raw.keys;
        delete raw.gaps;
      }),
    ],
    [
      'a __proto__ key at the top',
      edited((raw) => {
        Object.defineProperty(raw, '__proto__', { value: { polluted: 1 }, enumerable: true });
      }),
    ],
    ['an array at the top', '[1, 2]'],
    ['a string at the top', '"inventory"'],
    ['null', 'null'],
  ];
  it.each(invalid)('reports the problems InventorySchema reports, in the same order: %s', (_, text) => {
    const parsed = parseSnapshot(text, 'inventory.json');
    const expected = reference(text);
    expect(expected.ok).toBe(false);
    expect(parsed.ok).toBe(false);
    if (parsed.ok || expected.ok) return;
    expect(parsed.error.code).toBe('snapshot.invalid');
    expect(parsed.error.problems).toEqual(expected.error);
  });

  it('validates the arrays in place: the inventory holds the parsed arrays, not copies of them', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const parsed = parseSnapshot(serializeSnapshot(fullEstate()), 'inventory.json');
    expect(parse).toHaveBeenCalledTimes(1);
    const raw = parse.mock.results[0]!.value as Record<string, unknown>;
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    for (const name of [
      'clusters',
      'keys',
      'roles',
      'trails',
      'events',
      'eventsCollected',
      'gaps',
      'accounts',
    ])
      expect((parsed.value as unknown as Record<string, unknown>)[name], name).toBe(raw[name]);
  });

  it('reads the text through a function, once, with the same result as the text itself', () => {
    const text = serializeSnapshot(fullEstate());
    const read = vi.fn(() => text);
    expect(parseSnapshot(read, 'inventory.json')).toEqual(parseSnapshot(text, 'inventory.json'));
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('what the read function throws reaches the caller; it is not a JSON error', () => {
    const failure = new Error('no such file');
    expect(() =>
      parseSnapshot(() => {
        throw failure;
      }, 'inventory.json'),
    ).toThrow(failure);
  });

  it('text that is not JSON is snapshot.parse, read from a function or given', () => {
    for (const text of ['{"schemaVersion": 1,', () => '{"schemaVersion": 1,']) {
      const parsed = parseSnapshot(text, 'bad.json');
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.error.code).toBe('snapshot.parse');
      expect(parsed.error.input).toBe('bad.json');
      expect(parsed.error.message).toMatch(/^not valid JSON: /);
    }
  });
});
