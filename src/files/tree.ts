/**
 * Which tree a path belongs to (the repository it sits in, else the working directory), and
 * whether a symbolic link on the way leads out of it: what a pull request can plant in a checkout
 * (`infra -> /`, `reports -> ../elsewhere`) so that a path named inside the checkout reads or
 * writes outside it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

const isWithin = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

const realPathOf = (path: string): string | undefined => {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
};

/**
 * The tree a path belongs to: the repository it sits in (the nearest directory above it with a
 * `.git`), else the working directory when the path is inside it; undefined for a path elsewhere
 * (the user's to choose).
 */
function treeOf(absPath: string, cwd: string): string | undefined {
  for (let dir = dirname(absPath); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) break;
  }
  return isWithin(resolve(cwd), absPath) ? resolve(cwd) : undefined;
}

/**
 * Where a path really leads when that is out of its tree: a symbolic link (the path itself, or a
 * directory on the way) from inside a repository or the working directory to somewhere outside
 * it. A path that does not exist yet is judged by its nearest existing ancestor (what a write
 * would create directories under). Undefined when it stays in its tree, or has none.
 */
export function linkedOutOfTree(path: string, cwd: string): { real: string; tree: string } | undefined {
  const absPath = resolve(cwd, path);
  const tree = treeOf(absPath, cwd);
  if (tree === undefined) return undefined;
  const realTree = realPathOf(tree);
  if (realTree === undefined) return undefined;
  for (let at = absPath; ; at = dirname(at)) {
    const real = realPathOf(at);
    if (real !== undefined) return isWithin(realTree, real) ? undefined : { real, tree };
    if (dirname(at) === at || !isWithin(tree, at)) return undefined;
  }
}
