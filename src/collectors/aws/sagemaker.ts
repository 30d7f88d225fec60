/**
 * SageMaker HyperPod: ListClusters (every page), DescribeCluster and ListTags per cluster, turned
 * into inventory clusters with their instance groups and EBS volumes (shared/aws-facts.md §1).
 */
import {
  type ClusterInstanceStorageConfig,
  DescribeClusterCommand,
  type DescribeClusterResponse,
  ListTagsCommand,
  paginateListClusters,
} from '@aws-sdk/client-sagemaker';
import type { Cluster, EbsVolume, InstanceGroup, Tags } from '../../model/inventory.js';
import type { ScanContext } from './context.js';
import { gapReasonText, isNotFound } from './errors.js';

export interface ClusterListing {
  arn: string;
  name: string;
}

/** A successful response that lacks the field that carries its data: as unknown as a failed call. */
export class IncompleteResponseError extends Error {
  override readonly name = 'IncompleteResponse';
}

/**
 * Every cluster in the account and Region. Throws the first error: the caller decides what it means.
 * A page without `ClusterSummaries` is an error too: an empty list is `[]`, and a missing one says
 * nothing about which clusters exist.
 */
export async function listClusters(
  ctx: ScanContext,
  account: string,
  region: string,
): Promise<ClusterListing[]> {
  const client = ctx.session.for('sagemaker', account, region);
  const clusters: ClusterListing[] = [];
  // A page may be short or empty while more follow (MaxResults caps clusters evaluated, not
  // matched): the paginator keeps going while NextToken is set.
  for await (const page of paginateListClusters({ client, pageSize: ctx.pageSize(100) }, {})) {
    if (!Array.isArray(page.ClusterSummaries))
      throw new IncompleteResponseError('ListClusters returned a page without ClusterSummaries');
    for (const summary of page.ClusterSummaries) {
      if (summary.ClusterArn)
        clusters.push({ arn: summary.ClusterArn, name: summary.ClusterName ?? summary.ClusterArn });
    }
  }
  return clusters;
}

/** The EBS entries of InstanceStorageConfigs; FSx entries carry no key and are left out. */
export function volumesOf(configs: readonly ClusterInstanceStorageConfig[] | undefined): EbsVolume[] {
  const volumes: EbsVolume[] = [];
  for (const config of configs ?? []) {
    const ebs = config.EbsVolumeConfig;
    if (!ebs) continue;
    const kmsKeyId = ebs.VolumeKmsKeyId ? ebs.VolumeKmsKeyId : null;
    volumes.push({
      role: ebs.RootVolume === true ? 'root' : 'secondary',
      kmsKeyId,
      ...(ebs.VolumeSizeInGB !== undefined ? { sizeInGB: ebs.VolumeSizeInGB } : {}),
    });
  }
  return volumes;
}

interface GroupDetails {
  InstanceGroupName?: string | undefined;
  ExecutionRole?: string | undefined;
  InstanceType?: string | undefined;
  CurrentCount?: number | undefined;
  LifeCycleConfig?:
    | { SourceS3Uri?: string | undefined; OnCreate?: string | undefined; OnInitComplete?: string | undefined }
    | undefined;
  ThreadsPerCore?: number | undefined;
  Status?: string | undefined;
  InstanceStorageConfigs?: ClusterInstanceStorageConfig[] | undefined;
}

/** LifeCycleConfig as the inventory keeps it: only when both required parts are there. */
function lifeCycleOf(config: GroupDetails['LifeCycleConfig']): Pick<InstanceGroup, 'lifeCycleConfig'> {
  if (!config?.SourceS3Uri || !config.OnCreate) return {};
  return {
    lifeCycleConfig: {
      sourceS3Uri: config.SourceS3Uri,
      onCreate: config.OnCreate,
      ...(config.OnInitComplete ? { onInitComplete: config.OnInitComplete } : {}),
    },
  };
}

function group(clusterId: string, details: GroupDetails, kind: InstanceGroup['kind']): InstanceGroup {
  const name = details.InstanceGroupName ?? '(unnamed)';
  return {
    id: `${clusterId}/instance-group/${name}`,
    name,
    kind,
    executionRole: details.ExecutionRole ?? null,
    ...(details.InstanceType ? { instanceType: details.InstanceType } : {}),
    ...(details.CurrentCount !== undefined ? { instanceCount: details.CurrentCount } : {}),
    ...(details.Status ? { status: details.Status } : {}),
    ...lifeCycleOf(details.LifeCycleConfig),
    ...(details.ThreadsPerCore === 1 || details.ThreadsPerCore === 2
      ? { threadsPerCore: details.ThreadsPerCore }
      : {}),
    volumes: volumesOf(details.InstanceStorageConfigs),
  };
}

/**
 * The inventory cluster for a DescribeCluster response. `faithful` says whether the response came
 * from AWS, where an absent NodeProvisioningMode means the legacy mode and an absent Orchestrator
 * means none; from an emulator an absent field may just be one it does not model, so it is
 * listed in `notCollected` and the rules that need it answer UNKNOWN instead of guessing.
 */
export function clusterFromDescription(
  response: DescribeClusterResponse,
  listing: ClusterListing,
  account: string,
  region: string,
  faithful: boolean,
): Cluster {
  const arn = response.ClusterArn ?? listing.arn;
  const notCollected: string[] = [];
  if (!faithful) {
    if (response.NodeProvisioningMode === undefined) notCollected.push('NodeProvisioningMode');
    if (response.Orchestrator === undefined) notCollected.push('Orchestrator');
    if (response.RestrictedInstanceGroups === undefined) notCollected.push('RestrictedInstanceGroups');
  }
  const orchestrator = response.Orchestrator?.Eks ? 'eks' : response.Orchestrator?.Slurm ? 'slurm' : 'none';
  return {
    id: arn,
    arn,
    name: response.ClusterName ?? listing.name,
    account,
    region,
    source: 'live',
    ...(response.ClusterStatus ? { status: response.ClusterStatus } : {}),
    orchestrator,
    nodeProvisioningMode: response.NodeProvisioningMode === 'Continuous' ? 'Continuous' : null,
    instanceGroups: [
      ...(response.InstanceGroups ?? []).map((details) => group(arn, details, 'regular')),
      ...(response.RestrictedInstanceGroups ?? []).map((details) => group(arn, details, 'restricted')),
    ],
    ...(notCollected.length > 0 ? { notCollected } : {}),
  };
}

/** A cluster that was listed but could not be described: everything about it is unknown. */
function undescribedCluster(
  listing: ClusterListing,
  account: string,
  region: string,
  reason: string,
): Cluster {
  const unknown = { unresolved: 'DescribeCluster', reason };
  return {
    id: listing.arn,
    arn: listing.arn,
    name: listing.name,
    account,
    region,
    source: 'live',
    orchestrator: unknown,
    nodeProvisioningMode: unknown,
    instanceGroups: [],
    instanceGroupsUnresolved: unknown,
  };
}

async function tagsOf(
  ctx: ScanContext,
  account: string,
  region: string,
  arn: string,
): Promise<Tags | undefined> {
  const client = ctx.session.for('sagemaker', account, region);
  const tags: Tags = {};
  let token: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListTagsCommand({
          ResourceArn: arn,
          MaxResults: ctx.pageSize(100),
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
      token = page.NextToken || undefined;
    } while (token);
    return tags;
  } catch (error) {
    ctx.failed({ service: 'sagemaker', operation: 'ListTags', account, region, resource: arn }, error);
    return undefined;
  }
}

/** DescribeCluster and ListTags for one listed cluster; undefined when it was deleted meanwhile. */
export async function collectCluster(
  ctx: ScanContext,
  account: string,
  region: string,
  listing: ClusterListing,
): Promise<Cluster | undefined> {
  const client = ctx.session.for('sagemaker', account, region);
  const [described, tags] = await Promise.all([
    client.send(new DescribeClusterCommand({ ClusterName: listing.arn })).then(
      (response) => ({ ok: true as const, response }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    tagsOf(ctx, account, region, listing.arn),
  ]);
  if (!described.ok) {
    if (isNotFound(described.error)) return undefined;
    const entry = ctx.failed(
      { service: 'sagemaker', operation: 'DescribeCluster', account, region, resource: listing.arn },
      described.error,
    );
    const cluster = undescribedCluster(listing, account, region, gapReasonText(entry));
    return tags ? { ...cluster, tags } : cluster;
  }
  if (!Array.isArray(described.response.InstanceGroups)) {
    // Every cluster has at least one instance group: a description without the list is no proof of none.
    const entry = ctx.missing(
      { service: 'sagemaker', operation: 'DescribeCluster', account, region, resource: listing.arn },
      'aws.invalid_response',
      'DescribeCluster returned no InstanceGroups',
    );
    const cluster = undescribedCluster(listing, account, region, gapReasonText(entry));
    return tags ? { ...cluster, tags } : cluster;
  }
  const cluster = clusterFromDescription(described.response, listing, account, region, ctx.faithfulEndpoint);
  return tags ? { ...cluster, tags } : cluster;
}
