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
import { shortened } from '../../model/text.js';
import type { ScanContext } from './context.js';
import { gapReasonText, IncompleteResponseError, isNotFound } from './errors.js';
import { everyPage } from './pages.js';

export interface ClusterListing {
  /** The ARN ListClusters gave; absent from a summary without one (DescribeCluster by name gives it). */
  arn?: string;
  name: string;
}

/**
 * The inventory id of a cluster: its ARN, or, when neither ListClusters nor DescribeCluster gave
 * one, a name-based id that no ARN can be mistaken for.
 */
export const clusterIdOf = (listing: ClusterListing, account: string, region: string): string =>
  listing.arn ?? `sagemaker:${region}:${account}:cluster-name/${listing.name}`;

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
  let anonymous = 0;
  // A page may be short or empty while more follow (MaxResults caps clusters evaluated, not
  // matched): the paginator keeps going while NextToken is set.
  for await (const page of everyPage(
    paginateListClusters({ client, pageSize: ctx.pageSize(100) }, {}),
    'ListClusters',
  )) {
    if (!Array.isArray(page.ClusterSummaries))
      throw new IncompleteResponseError('ListClusters returned a page without ClusterSummaries');
    for (const summary of page.ClusterSummaries) {
      // ClusterArn and ClusterName are both required members of ClusterSummary: a summary that
      // lacks its ARN is still a cluster, and DescribeCluster takes its name as well as its ARN.
      if (summary.ClusterArn)
        clusters.push({ arn: summary.ClusterArn, name: summary.ClusterName || summary.ClusterArn });
      else if (summary.ClusterName) clusters.push({ name: summary.ClusterName });
      else anonymous++;
    }
  }
  if (anonymous > 0)
    ctx.missing(
      { service: 'sagemaker', operation: 'ListClusters', account, region },
      'aws.invalid_response',
      `ListClusters returned ${anonymous === 1 ? 'a cluster summary' : `${anonymous} cluster summaries`} with neither ClusterArn nor ClusterName: ${anonymous === 1 ? 'that cluster is' : 'those clusters are'} not scanned`,
    );
  return clusters;
}

/**
 * The EBS entries of InstanceStorageConfigs; FSx entries carry no key and are left out. The list
 * is a union (shared/aws-facts.md §1.5): a member newer than this scanner's SDK arrives as
 * `$unknown: [name, value]`, and may be storage with a key of its own, so a group with one has
 * volumes that are unknown, never judged on the entries the SDK could name.
 */
export function volumesOf(
  configs: readonly ClusterInstanceStorageConfig[] | undefined,
): InstanceGroup['volumes'] {
  const volumes: EbsVolume[] = [];
  for (const config of configs ?? []) {
    if (config.FsxLustreConfig || config.FsxOpenZfsConfig) continue;
    const ebs = config.EbsVolumeConfig;
    if (!ebs) {
      const member = Array.isArray(config.$unknown) ? config.$unknown[0] : undefined;
      return {
        unresolved: 'InstanceStorageConfigs',
        reason:
          typeof member === 'string'
            ? `DescribeCluster returned a storage configuration this scanner's AWS SDK does not know (${shortened(member, 100)}): what it stores, and under which key, is unknown`
            : 'DescribeCluster returned a storage configuration with no member this scanner knows',
      };
    }
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

function group(
  clusterId: string,
  details: GroupDetails,
  kind: InstanceGroup['kind'],
  index: number,
): InstanceGroup {
  // InstanceGroupName is optional in ClusterInstanceGroupDetails: groups without one are told apart
  // by their place, so that two of them are never one resource.
  const name =
    details.InstanceGroupName || `(unnamed ${kind === 'restricted' ? 'restricted ' : ''}group ${index + 1})`;
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
  const id = response.ClusterArn ?? clusterIdOf(listing, account, region);
  const arn = response.ClusterArn ?? listing.arn;
  const notCollected: string[] = [];
  if (!faithful) {
    if (response.NodeProvisioningMode === undefined) notCollected.push('NodeProvisioningMode');
    if (response.Orchestrator === undefined) notCollected.push('Orchestrator');
    if (response.RestrictedInstanceGroups === undefined) notCollected.push('RestrictedInstanceGroups');
  }
  const orchestrator = response.Orchestrator?.Eks ? 'eks' : response.Orchestrator?.Slurm ? 'slurm' : 'none';
  return {
    id,
    ...(arn ? { arn } : {}),
    name: response.ClusterName || listing.name,
    account,
    region,
    source: 'live',
    ...(response.ClusterStatus ? { status: response.ClusterStatus } : {}),
    orchestrator,
    nodeProvisioningMode: response.NodeProvisioningMode === 'Continuous' ? 'Continuous' : null,
    instanceGroups: [
      ...(response.InstanceGroups ?? []).map((details, i) => group(id, details, 'regular', i)),
      ...(response.RestrictedInstanceGroups ?? []).map((details, i) => group(id, details, 'restricted', i)),
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
    id: clusterIdOf(listing, account, region),
    ...(listing.arn ? { arn: listing.arn } : {}),
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
  const seen = new Set<string>();
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
      if (token !== undefined && seen.has(token))
        throw new IncompleteResponseError(
          'ListTags returned a page token it had already returned: its pages never end',
        );
      if (token !== undefined) seen.add(token);
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
  const describing = client
    .send(new DescribeClusterCommand({ ClusterName: listing.arn ?? listing.name }))
    .then(
      (response) => ({ ok: true as const, response }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  // A cluster listed without its ARN has its tags read once DescribeCluster names it.
  const tagging = listing.arn
    ? tagsOf(ctx, account, region, listing.arn)
    : describing.then((described) => {
        if (!described.ok) return undefined;
        const arn = described.response.ClusterArn;
        if (arn) return tagsOf(ctx, account, region, arn);
        ctx.missing(
          {
            service: 'sagemaker',
            operation: 'ListTags',
            account,
            region,
            resource: clusterIdOf(listing, account, region),
          },
          'aws.invalid_response',
          'neither ListClusters nor DescribeCluster gave the cluster ARN that ListTags needs',
        );
        return undefined;
      });
  const [described, tags] = await Promise.all([describing, tagging]);
  const withTags = (cluster: Cluster): Cluster => (tags ? { ...cluster, tags } : cluster);
  const resource = clusterIdOf(listing, account, region);
  if (!described.ok) {
    if (isNotFound(described.error)) return undefined;
    const entry = ctx.failed(
      { service: 'sagemaker', operation: 'DescribeCluster', account, region, resource },
      described.error,
    );
    return withTags(undescribedCluster(listing, account, region, gapReasonText(entry)));
  }
  // InstanceGroups is a required member of the response: a description without the list is no
  // proof of none, and in a response that incomplete an absent optional member (the mode, the
  // orchestrator) is not proof of unset either. What it does give (a mode, restricted groups) stands.
  const complete = Array.isArray(described.response.InstanceGroups);
  const cluster = clusterFromDescription(
    described.response,
    listing,
    account,
    region,
    complete && ctx.faithfulEndpoint,
  );
  if (!complete) {
    const entry = ctx.missing(
      { service: 'sagemaker', operation: 'DescribeCluster', account, region, resource: cluster.id },
      'aws.invalid_response',
      'DescribeCluster returned no InstanceGroups',
    );
    return withTags({
      ...cluster,
      instanceGroupsUnresolved: { unresolved: 'DescribeCluster', reason: gapReasonText(entry) },
    });
  }
  return withTags(cluster);
}
