/** CloudFormation expressions as a reader writes them (short form), for messages. */
import type { SNode } from '../common/source-tree.js';
import { clip } from '../common/value.js';

const SHORT: Record<string, string> = {
  Ref: '!Ref',
  Condition: '!Condition',
  'Fn::GetAtt': '!GetAtt',
  'Fn::Sub': '!Sub',
  'Fn::If': '!If',
  'Fn::Join': '!Join',
  'Fn::Select': '!Select',
  'Fn::Split': '!Split',
  'Fn::FindInMap': '!FindInMap',
  'Fn::ImportValue': '!ImportValue',
  'Fn::Equals': '!Equals',
  'Fn::Not': '!Not',
  'Fn::And': '!And',
  'Fn::Or': '!Or',
  'Fn::Base64': '!Base64',
  'Fn::Cidr': '!Cidr',
  'Fn::GetAZs': '!GetAZs',
  'Fn::Length': '!Length',
  'Fn::ToJsonString': '!ToJsonString',
  'Fn::Transform': '!Transform',
};

function renderInner(node: SNode, depth: number): string {
  if (depth > 6) return '…';
  if (node.kind === 'scalar') {
    if (typeof node.value === 'string')
      return /^[\w./:${}*-]+$/.test(node.value) ? node.value : JSON.stringify(node.value);
    return String(node.value);
  }
  if (node.kind === 'seq') return `[${node.items.map((item) => renderInner(item, depth + 1)).join(', ')}]`;
  if (node.entries.size === 1) {
    const [key, value] = [...node.entries][0]!;
    const tag = SHORT[key];
    if (tag) {
      if (key === 'Fn::GetAtt' && value.kind === 'seq' && value.items.length === 2)
        return `${tag} ${value.items.map((item) => renderInner(item, depth + 1)).join('.')}`;
      return `${tag} ${renderInner(value, depth + 1)}`;
    }
  }
  return `{${[...node.entries].map(([key, value]) => `${key}: ${renderInner(value, depth + 1)}`).join(', ')}}`;
}

export const render = (node: SNode): string => clip(renderInner(node, 0));
