/**
 * The identity perimeter of AWS's resource control policy examples, as AWS writes it, for the tests
 * of RCPs: KMS only for the organization's principals, AWS services aside.
 */
import type { PolicyStatement } from '../../src/model/inventory.js';

export const identityPerimeterStatement = (organizationId: string): PolicyStatement => ({
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  Condition: {
    StringNotEqualsIfExists: { 'aws:PrincipalOrgID': organizationId },
    Bool: { 'aws:PrincipalIsAWSService': 'false' },
  },
});
