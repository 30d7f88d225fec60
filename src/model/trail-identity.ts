/**
 * What a CloudTrail record's `userIdentity` says of who called, read the same by the live reader
 * (LookupEvents, collectors/aws/cloudtrail.ts) and the log-file reader (parsers/cloudtrail), so that
 * one call is one principal and one kind of grant from either source. Pure.
 */

/** The fields of `userIdentity` these read, each absent when the record has none. */
export interface TrailIdentity {
  type?: string | undefined;
  arn?: string | undefined;
  invokedBy?: string | undefined;
  principalId?: string | undefined;
}

/**
 * Who called: the ARN, else the AWS service that called as itself (it has no ARN, only
 * `invokedBy`: AWS's RotateKey example has `{"accountId": ..., "invokedBy": "AWS Internal"}`,
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/non-api-aws-service-events.html),
 * else the principal id.
 */
export const callerOf = (identity: TrailIdentity | undefined): string | undefined =>
  identity?.arn ?? identity?.invokedBy ?? identity?.principalId;

/**
 * Whether a CreateGrant was made for an AWS resource: an AWS service (HyperPod, EBS) made it, as
 * the record's caller shows (invoked by that service, https://docs.aws.amazon.com/kms/latest/developerguide/ct-ec2two.html).
 * Not `requestParameters.grantIsForAWSResource`: CloudTrail logs no such flag
 * (https://docs.aws.amazon.com/kms/latest/developerguide/ct-creategrant.html), and request
 * parameters are logged as the caller sent them.
 */
export const isGrantForAwsResource = (identity: TrailIdentity | undefined): boolean =>
  identity?.invokedBy !== undefined || identity?.type === 'AWSService';
