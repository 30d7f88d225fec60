/**
 * The order in which the CI formats that a reader sees only part of (GitHub annotations, SARIF
 * for code scanning) put FAIL and UNKNOWN findings, so that what is shown is what matters most:
 * failures by severity, then what could not be judged, then what the --baseline records (known,
 * not failing the run), then what is suppressed.
 */
import type { Finding, Severity } from '../model/finding.js';

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 1, high: 2, medium: 3, low: 4 };

/** Lower is more urgent: 1 to 4 an open failure by severity, 5 UNKNOWN, 6 in the baseline, 7 suppressed. */
export function urgency(finding: Finding): number {
  if (finding.suppressed) return 7;
  if (finding.baseline) return 6;
  if (finding.status === 'UNKNOWN') return 5;
  return SEVERITY_ORDER[finding.severity];
}
