import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { evaluate, fingerprint } from '../../src/engine/evaluate.js';
import { shownPlace } from '../../src/engine/lazy-finding.js';
import type { Finding } from '../../src/model/finding.js';
import type { Verdict } from '../../src/rules/define-rule.js';
import { compliantEstate, keyArn, NOW } from '../helpers/inventory.js';
import { fail, pass, stubRule } from './stub-rules.js';

const now = new Date(NOW);
const K1 = { type: 'kms-key' as const, id: keyArn('k1') };
const K2 = { type: 'kms-key' as const, id: keyArn('k2') };
const KEYS = [
  'ruleId',
  'status',
  'severity',
  'messageId',
  'message',
  'remediation',
  'fingerprint',
  'resource',
  'evidence',
  'suppressed',
];

/** A verdict whose data counts how often the message template reads it. */
function counted(resource: Verdict['resource']): { verdict: Verdict; reads: () => number } {
  let reads = 0;
  const data = {
    get what() {
      reads++;
      return resource.id;
    },
  } as unknown as Record<string, string>;
  return { verdict: { resource, status: 'FAIL', messageId: 'bad', data }, reads: () => reads };
}

describe('findings made by the engine', () => {
  it('format the message only when it is read, and keep none (a report reads each once)', () => {
    const { verdict, reads } = counted(K1);
    const [finding] = evaluate(compliantEstate(), {
      rules: [stubRule('kms-key-lazy', [verdict])],
      now,
    }).findings;
    expect(reads()).toBe(0);
    expect(finding?.message).toBe(`${K1.id} is broken`);
    expect(reads()).toBe(1);
    expect(finding?.message).toBe(`${K1.id} is broken`);
    expect(reads()).toBe(2);
  });

  it('make message and fingerprint from what the rule gave, whatever is changed before they are read', () => {
    const resource = { ...K1 };
    const verdict: Verdict = { resource, status: 'FAIL', messageId: 'bad', data: { what: 'k1' } };
    const [finding] = evaluate(compliantEstate(), {
      rules: [stubRule('kms-key-moved', [verdict])],
      now,
    }).findings;
    const mutable = finding as { ruleId: string; messageId: string };
    mutable.ruleId = 'kms-key-other';
    mutable.messageId = 'ok';
    resource.id = 'other';
    expect(() => {
      (verdict.data as Record<string, string>).what = 'changed';
    }).toThrow(TypeError);
    expect(finding?.message).toBe('k1 is broken');
    expect(finding?.fingerprint).toBe(fingerprint('kms-key-moved', K1.id));
  });

  it('have the plain finding keys, in order, and the same JSON as a plain object', () => {
    const config = resolveConfig({ suppressions: [{ rule: 'kms-key-plain', resource: K2.id, reason: 'r' }] });
    const { findings } = evaluate(compliantEstate(), {
      rules: [stubRule('kms-key-plain', [pass(K1), fail(K2)])],
      config,
      now,
      fingerprintId: (id) => `rel/${id}`,
    });
    expect(findings.map((f) => Object.keys(f))).toEqual([KEYS, KEYS]);
    const [passed, failed] = findings as [(typeof findings)[0], (typeof findings)[0]];
    expect(passed.fingerprint).toBe(fingerprint('kms-key-plain', `rel/${K1.id}`));
    expect(failed.suppressed).toEqual({ reason: 'r', expires: null });
    const plain = {
      ruleId: 'kms-key-plain',
      status: 'FAIL',
      severity: 'high',
      messageId: 'bad',
      message: `${K2.id} is broken`,
      remediation: 'fix kms-key-plain',
      fingerprint: fingerprint('kms-key-plain', `rel/${K2.id}`),
      resource: K2,
      evidence: {},
      suppressed: { reason: 'r', expires: null },
    };
    expect(JSON.stringify(failed)).toBe(JSON.stringify(plain));
    // A copy made by spreading is a plain object with the strings in it.
    const copy = { ...failed };
    expect(Object.getOwnPropertyDescriptor(copy, 'message')?.value).toBe(plain.message);
    expect(copy).toStrictEqual(plain);
    expect(structuredClone(failed)).toStrictEqual(plain);
  });

  it('say a message id the rule has no template for, even one named like a property every object has', () => {
    const ids = ['missing', 'toString', 'constructor', '__proto__', 'hasOwnProperty'];
    const { findings } = evaluate(compliantEstate(), {
      rules: [
        stubRule(
          'kms-key-untemplated',
          ids.map((messageId, i) => ({ resource: i % 2 ? K2 : K1, status: 'FAIL', messageId })),
        ),
      ],
      now,
    });
    expect(findings.map((finding) => finding.message)).toEqual(
      ids.map((messageId) => `${messageId} (no message template)`),
    );
    // Findings of one rule and message share what the message is made from; each keeps its own resource.
    expect(findings.map((finding) => finding.fingerprint)).toEqual(
      ids.map((_, i) => fingerprint('kms-key-untemplated', i % 2 ? K2.id : K1.id)),
    );
  });

  it('take a message or fingerprint written over them', () => {
    const [finding] = evaluate(compliantEstate(), {
      rules: [stubRule('kms-key-set', [fail(K1)])],
      now,
    }).findings;
    if (!finding) throw new Error('no finding');
    finding.message = 'rewritten';
    finding.fingerprint = 'f'.repeat(32);
    expect(JSON.parse(JSON.stringify(finding))).toMatchObject({
      message: 'rewritten',
      fingerprint: 'f'.repeat(32),
    });
    finding.fingerprint = 'e'.repeat(32);
    expect(finding.fingerprint).toBe('e'.repeat(32));
    expect(finding.message).toBe('rewritten');
  });

  it("show a Terraform resource's account and Region in Terraform's terms, as its message; a finding read back from JSON by its file", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholders IaC writes
    const place = { account: '${AWS::AccountId}', region: '${AWS::Region}' };
    const tf = { type: 'kms-key' as const, id: 'main.tf#aws_kms_key.k', ...place };
    const plan = { type: 'kms-key' as const, id: 'plan.json#aws_kms_key.k', ...place };
    const template = { type: 'kms-key' as const, id: 'stack.json#Key', ...place };
    const { findings } = evaluate(compliantEstate(), {
      rules: [stubRule('kms-key-places', [fail(tf), fail(plan), fail(template)])],
      now,
    });
    const shown = (finding: Finding) => [
      shownPlace(finding, finding.resource.account),
      shownPlace(finding, finding.resource.region),
    ];
    const TERRAFORM = [
      "the account of the provider's credentials, not set in the files",
      "the provider's Region, not set in the files",
    ];
    // The stub inventory reads no plan: plan.json is a file like any other.
    expect(findings.map(shown)).toEqual([
      TERRAFORM,
      [place.account, place.region],
      [place.account, place.region],
    ]);
    expect(findings.map((finding) => shown({ ...finding }))).toEqual([
      TERRAFORM,
      [place.account, place.region],
      [place.account, place.region],
    ]);
    expect(shownPlace(findings[0]!, 'us-east-1')).toBe('us-east-1');
    expect(shownPlace(findings[0]!, undefined)).toBeUndefined();
  });
});
