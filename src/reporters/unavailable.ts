/** A format that cannot represent this report (e.g. ASFF without AWS accounts): the CLI exits 2 with the hint. */
export class ReportUnavailable extends Error {
  constructor(
    readonly format: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ReportUnavailable';
  }
}
