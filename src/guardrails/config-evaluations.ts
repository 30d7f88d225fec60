/**
 * From the engine's per-cluster compliance to AWS Config evaluations (pure).
 *
 * Config accepts COMPLIANT, NON_COMPLIANT and NOT_APPLICABLE from a custom rule (INSUFFICIENT_DATA
 * is refused), so a cluster the engine could not fully judge (UNKNOWN) is reported NON_COMPLIANT
 * with an annotation that says it could not be verified: failing closed, as the project treats
 * UNKNOWN everywhere. Suppressed failures ("compliant by exception") are COMPLIANT, annotated.
 *
 * Config does not record AWS::SageMaker::Cluster, and whether PutEvaluations accepts that type
 * string for a custom rule is unconfirmed (shared/aws-facts.md §9): the handler reports per cluster
 * under that type, and falls back to one AWS::::Account evaluation when Config refuses it.
 */
import type { Evaluation } from '../engine/evaluate.js';
import type { ClusterCompliance } from '../model/report.js';
import { shortened } from '../model/text.js';

export type ComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
export const CLUSTER_RESOURCE_TYPE = 'AWS::SageMaker::Cluster';
export const ACCOUNT_RESOURCE_TYPE = 'AWS::::Account';
export type ComplianceResourceType = typeof CLUSTER_RESOURCE_TYPE | typeof ACCOUNT_RESOURCE_TYPE;

export interface ConfigEvaluation {
  ComplianceResourceType: string;
  ComplianceResourceId: string;
  ComplianceType: ComplianceType;
  Annotation?: string;
  OrderingTimestamp: Date;
}

export const ANNOTATION_MAX = 256;

const clip = (text: string, max = ANNOTATION_MAX) => shortened(text, max);

export function clusterAnnotation(cluster: ClusterCompliance): string | undefined {
  switch (cluster.status) {
    case 'compliant':
      return undefined;
    case 'compliant-by-exception':
      return clip(`compliant by exception (suppressed: ${cluster.excepted.join(', ')})`);
    case 'non-compliant':
      return clip(
        `failing: ${cluster.failing.join(', ')}${cluster.unknown.length ? `; not verified: ${cluster.unknown.join(', ')}` : ''}`,
      );
    case 'unknown':
      return clip(`could not be verified (fails closed): ${cluster.unknown.join(', ')}`);
  }
}

export function complianceTypeOf(cluster: ClusterCompliance): ComplianceType {
  return cluster.status === 'compliant' || cluster.status === 'compliant-by-exception'
    ? 'COMPLIANT'
    : 'NON_COMPLIANT';
}

export function clusterEvaluations(
  evaluation: Pick<Evaluation, 'compliance'>,
  options: { orderingTimestamp: Date; previouslyEvaluated?: readonly string[] },
): ConfigEvaluation[] {
  const current = evaluation.compliance.clusters.map((cluster) => {
    const annotation = clusterAnnotation(cluster);
    return {
      ComplianceResourceType: CLUSTER_RESOURCE_TYPE,
      ComplianceResourceId: cluster.id,
      ComplianceType: complianceTypeOf(cluster),
      ...(annotation ? { Annotation: annotation } : {}),
      OrderingTimestamp: options.orderingTimestamp,
    };
  });
  const seen = new Set(current.map((e) => e.ComplianceResourceId));
  // A cluster evaluated before and gone now (deleted) would stay NON_COMPLIANT forever: retire it.
  const gone = (options.previouslyEvaluated ?? [])
    .filter((id) => !seen.has(id))
    .map((id) => ({
      ComplianceResourceType: CLUSTER_RESOURCE_TYPE,
      ComplianceResourceId: id,
      ComplianceType: 'NOT_APPLICABLE' as const,
      Annotation: 'the cluster no longer exists',
      OrderingTimestamp: options.orderingTimestamp,
    }));
  return [...current, ...gone];
}

export function accountEvaluation(
  evaluation: Pick<Evaluation, 'compliance'>,
  options: { account: string; orderingTimestamp: Date; reason?: string },
): ConfigEvaluation {
  const clusters = evaluation.compliance.clusters;
  const bad = clusters.filter((c) => complianceTypeOf(c) === 'NON_COMPLIANT');
  const type: ComplianceType =
    clusters.length === 0 ? 'NOT_APPLICABLE' : bad.length > 0 ? 'NON_COMPLIANT' : 'COMPLIANT';
  const summary =
    clusters.length === 0
      ? 'no HyperPod clusters'
      : bad.length > 0
        ? `${bad.length} of ${clusters.length} clusters not compliant: ${bad.map((c) => `${c.name} (${[...c.failing, ...c.unknown].join(', ')})`).join('; ')}`
        : `all ${clusters.length} clusters compliant`;
  return {
    ComplianceResourceType: ACCOUNT_RESOURCE_TYPE,
    ComplianceResourceId: options.account,
    ComplianceType: type,
    Annotation: clip(options.reason ? `${summary} [${options.reason}]` : summary),
    OrderingTimestamp: options.orderingTimestamp,
  };
}

/** PutEvaluations takes at most 100 evaluations a call. */
export function batches<T>(items: readonly T[], size = 100): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
