/**
 * Where history lives by default: the per-user data directory of the platform.
 * Linux and other Unix: $XDG_DATA_HOME/hyperpod-cmk/history.db, else ~/.local/share/hyperpod-cmk/history.db;
 * macOS: ~/Library/Application Support/hyperpod-cmk/history.db; Windows: %LOCALAPPDATA%\hyperpod-cmk\history.db.
 * Pure: the environment and platform are passed in.
 */
import { posix, win32 } from 'node:path';

export const DB_ENV = 'HYPERPOD_CMK_DB';
export const DB_FILE = 'history.db';
const APP = 'hyperpod-cmk';

/** The default database path, or undefined when the environment names no home to put it in. */
export function defaultDbPath(
  env: Readonly<Record<string, string | undefined>>,
  platform: string = process.platform,
): string | undefined {
  const set = (name: string) => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  if (platform === 'win32') {
    const base =
      set('LOCALAPPDATA') ??
      (set('USERPROFILE') ? win32.join(set('USERPROFILE')!, 'AppData', 'Local') : undefined);
    return base ? win32.join(base, APP, DB_FILE) : undefined;
  }
  const home = set('HOME');
  if (platform === 'darwin')
    return home ? posix.join(home, 'Library', 'Application Support', APP, DB_FILE) : undefined;
  const xdg = set('XDG_DATA_HOME');
  if (xdg && posix.isAbsolute(xdg)) return posix.join(xdg, APP, DB_FILE);
  return home ? posix.join(home, '.local', 'share', APP, DB_FILE) : undefined;
}
