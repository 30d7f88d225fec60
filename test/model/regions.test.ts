import { describe, expect, it } from 'vitest';
import { isRegionName, partitionOf, regionPartition } from '../../src/model/regions.js';

describe('Regions and their partitions', () => {
  it.each([
    ['us-east-1', 'aws', 'amazonaws.com'],
    ['mx-central-1', 'aws', 'amazonaws.com'],
    ['cn-northwest-1', 'aws-cn', 'amazonaws.com.cn'],
    ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
    ['us-iso-east-1', 'aws-iso', 'c2s.ic.gov'],
    ['us-isob-east-1', 'aws-iso-b', 'sc2s.sgov.gov'],
    ['eu-isoe-west-1', 'aws-iso-e', 'cloud.adc-e.uk'],
    ['us-isof-south-1', 'aws-iso-f', 'csp.hci.ic.gov'],
    ['eusc-de-east-1', 'aws-eusc', 'amazonaws.eu'],
  ])('%s is in %s (%s)', (region, partition, urlSuffix) => {
    expect(regionPartition(region)).toMatchObject({ partition, urlSuffix });
    expect(partitionOf(region)).toBe(partition);
  });

  it('a Region in no partition known has none, and live scans read it as the commercial one', () => {
    expect(regionPartition('mars-north-9')).toBeUndefined();
    expect(partitionOf('mars-north-9')).toBe('aws');
  });

  it.each([
    ['us-east-1', true],
    ['us-gov-west-1', true],
    ['us-isob-east-1', true],
    ['eusc-de-east-1', true],
    ['ap-southeast-10', true],
    ['US-EAST-1', false],
    ['us-east', false],
    ['x-east-1', false],
    ['us-east-1\n', false],
    ['us-east-1; rm -rf /', false],
  ])('%j has the shape of a Region name: %s', (value, expected) => {
    expect(isRegionName(value)).toBe(expected);
  });
});
