/**
 * The collection the detection Lambda needs: one account and Region's HyperPod clusters (or the
 * ones an event names), the keys their volumes use and their execution roles' KMS statements.
 *
 * It is the live collector of the CLI (`src/collectors/aws`), scoped to the Lambda's own account
 * and Region, so a cluster reads the same in a scan and in the Config rule. CloudTrail is left
 * out: the Config rule judges configuration, and the rules that read CloudTrail are left out of
 * its evaluation (see CONFIG_RULE_RULES). Whatever cannot be read is a `Gap` (the rules that
 * needed it answer UNKNOWN), never an exception that would lose the other clusters.
 */
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { collect } from '../collectors/aws/collect.js';
import { emptyInventory, type Inventory } from '../model/inventory.js';

export interface CollectScope {
  /** Cluster names or ARNs to collect; all clusters in the Region when absent. */
  clusters?: readonly string[];
  /** Key ids or ARNs to collect even when no cluster uses them. */
  keys?: readonly string[];
}

export interface HyperPodCollector {
  collect(scope?: CollectScope): Promise<Inventory>;
}

export interface AwsCollectorOptions {
  account: string;
  region: string;
  now: () => Date;
  /** Parallel AWS calls (the SDK's adaptive retries handle throttling). */
  concurrency?: number;
  /** A custom endpoint (tests against an emulator). */
  endpoint?: string;
  credentials?: AwsCredentialIdentityProvider;
}

export function createAwsCollector(options: AwsCollectorOptions): HyperPodCollector {
  return {
    async collect(scope = {}) {
      const now = options.now();
      const result = await collect({
        regions: [options.region],
        cloudtrail: false,
        trails: false,
        now,
        ...(scope.clusters ? { clusters: scope.clusters } : {}),
        ...(scope.keys ? { keys: scope.keys } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
      if (!result.ok) {
        // The collection could not start (credentials, endpoint): nothing was listed, and the
        // evaluation says so rather than finding no clusters.
        return {
          ...emptyInventory('live', now.toISOString()),
          accounts: [{ id: options.account, regions: [options.region], source: 'live' }],
          gaps: [
            {
              service: 'sagemaker',
              operation: 'ListClusters',
              account: options.account,
              region: options.region,
              code: result.error.code,
              message: `${result.error.message} (${result.error.hint ?? ''})`,
            },
          ],
        };
      }
      const { inventory } = result.value;
      // CloudTrail was left out on purpose; only the rules the Config rule does not run need it.
      return { ...inventory, gaps: inventory.gaps.filter((gap) => gap.service !== 'cloudtrail') };
    },
  };
}
