/** Files larger than this are not read as infrastructure-as-code (`--max-file-size`). */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1_048_576;

/** .tf and .tfvars files larger than this are not read unless `--max-file-size` says otherwise. */
export const DEFAULT_MAX_HCL_BYTES = 2 * 1_048_576;
