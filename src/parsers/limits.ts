/** Files larger than this are not read as infrastructure-as-code (`--max-file-size`). */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1_048_576;
