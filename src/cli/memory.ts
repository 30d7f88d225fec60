/**
 * A full garbage collection between the phases of a large run, so that its peak memory is what
 * it holds, not what it has let go of.
 *
 * V8 sizes the old generation's next limit from what was live at its last full collection, up to
 * four times that. In an organisation-scale `evaluate` the last one comes while the snapshot is
 * being read (a few hundred MiB live), so the next comes only when the heap reaches four times
 * that: everything let go of in between (the snapshot's text, the report's writing, the history
 * save's rows) is held on to until then. At 100,000 instance groups that was 1.36 GiB of RSS for
 * about 0.6 GiB live. So a large run collects once the snapshot's text is let go of, once its
 * report is evaluated (before the report is made: the HTML dashboard's peak went from 2.15 to 1.65
 * GiB), once before its history save, and once within it, when the resources' state texts are
 * written and before every finding saved before is read (`SaveHooks.betweenPhases`: the next
 * day's save at 100,000 groups went from 1,049 to 1,059 MiB to 960 to 969): both saves' peaks are
 * under 1 GiB (`npm run bench -- evaluate-report`), for a few hundred milliseconds of collection
 * each. Small runs never collect: their garbage is small.
 *
 * Node exposes no collection to programs started without `--expose-gc`; V8 installs its `gc`
 * function in every context made after that flag is set, so the flag is set and a context made
 * once, on the first large run.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A snapshot text this long (characters) is worth a collection once it is let go of. */
export const LARGE_SNAPSHOT_CHARS = 32 * 2 ** 20;
/** A report with this many findings is worth a collection before it is made and before its history save. */
export const LARGE_REPORT_FINDINGS = 100_000;
/**
 * Text made and written between two collections by a command that writes gigabytes of it a piece
 * at a time (`plan` of an organisation): what the templates' making lets go of is promoted faster
 * than V8 collects it, and its heap grew to four times what it held (3 GB at 100,000 groups).
 */
export const COLLECT_EVERY_CHARS = 256 * 2 ** 20;

let collect: (() => void) | null | undefined;

/** Runs a full, synchronous garbage collection; nothing at all where V8 will not expose one. */
export function collectGarbage(): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') collect = exposed;
    else {
      try {
        setFlagsFromString('--expose-gc');
        const made: unknown = runInNewContext('typeof gc === "function" ? gc : null');
        collect = typeof made === 'function' ? (made as () => void) : null;
      } catch {
        collect = null;
      }
    }
  }
  collect?.();
}

/**
 * A counter of the text a run has made: a full collection each time `every` more characters
 * have been counted since the last.
 */
export function collectEvery(every: number): (chars: number) => void {
  let since = 0;
  return (chars) => {
    since += chars;
    if (since < every) return;
    since = 0;
    collectGarbage();
  };
}
