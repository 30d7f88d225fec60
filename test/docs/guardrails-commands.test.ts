/**
 * The commands the generated guardrails README asks you to run, pasted as they stand: a
 * placeholder left unquoted (`--key-id <key-arn>`) is two redirections, which read a file named
 * key-arn and truncate the next word's file. Quoted, it is a word AWS refuses until it is filled in.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import { generateGuardrails } from '../../src/guardrails/index.js';
import { redirections, shellBlocks } from '../helpers/shell.js';

describe('the guardrails README', () => {
  const generated = generateGuardrails({
    inventory: demoEstate(),
    config: resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] }),
    sourceLabel: 'demo',
    now: new Date(DEMO_TIME),
    organization: true,
  });
  if (!generated.ok) throw new Error(generated.error.message);
  const readme = generated.value.files.find((file) => file.path === 'README.md')!.content;
  const blocks = shellBlocks(readme);

  it('has shell blocks for one account and for the organization', () => {
    expect(blocks.some((block) => block.includes('aws kms put-key-policy'))).toBe(true);
    expect(blocks.some((block) => block.includes('register-delegated-administrator'))).toBe(true);
    expect(blocks.some((block) => block.includes('update-stack-instances'))).toBe(true);
  });

  it('quotes every placeholder in them', () => {
    expect(blocks.flatMap((block) => redirections(block))).toEqual([]);
  });
});
