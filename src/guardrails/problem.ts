/** Why guardrails could not be generated: the CLI turns it into a one-line message and exit 2. */
export interface GuardrailsProblem {
  code: string;
  message: string;
  hint?: string;
  /** The config path at fault (e.g. `$.keyAdmins[1]`), when there is one. */
  problems?: { path: string; message: string }[];
}
