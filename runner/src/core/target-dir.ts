/**
 * Restore targets on the local file system (a data directory, a recovery config directory). They
 * are checked before any work starts, so a path the runner cannot write fails in a second with
 * exit 2 and a message naming the flag, instead of after the download with a stack trace.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '../../../runtime/errors';
import { StorageError } from './errors';

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

function refuse(problem: string): never {
  throw new ConfigurationError('invalid configuration', [problem]);
}

function writable(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (e) {
    return errnoOf(e);
  }
}

/**
 * Checks that `dir` (the value of `flag`) is a writable directory, or can be created: its nearest
 * existing ancestor is a directory the runner may write into (engines check emptiness
 * themselves). Throws a ConfigurationError (exit 2) otherwise. Returns whether it exists already.
 */
export function checkTargetDir(flag: string, dir: string): { exists: boolean } {
  const shown = JSON.stringify(dir);
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') refuse(`${flag} ${shown} cannot be read (${errnoOf(e)})`);
  }
  if (st) {
    if (!st.isDirectory()) refuse(`${flag} ${shown} exists and is not a directory`);
    const why = writable(dir);
    if (why) refuse(`${flag} ${shown} is not writable by the runner (${why})`);
    return { exists: true };
  }
  let parent = dirname(resolve(dir));
  for (;;) {
    let pst;
    try { pst = statSync(parent); } catch (e) {
      if (errnoOf(e) !== 'ENOENT') refuse(`${flag} ${shown} cannot be created: ${parent} cannot be read (${errnoOf(e)})`);
    }
    if (pst) {
      if (!pst.isDirectory()) refuse(`${flag} ${shown} cannot be created: ${parent} is not a directory`);
      const why = writable(parent);
      if (why) refuse(`${flag} ${shown} cannot be created: its parent ${parent} is not writable by the runner (${why})`);
      return { exists: false };
    }
    const up = dirname(parent);
    if (up === parent) refuse(`${flag} ${shown} cannot be created: no existing parent directory`);
    parent = up;
  }
}

/** Creates a checked target directory; a failure (disk full, a mount that went away) is a storage error naming the flag. */
export function createTargetDir(flag: string, dir: string, mode: number): void {
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (e) {
    throw new StorageError(`${flag} ${JSON.stringify(dir)} could not be created: ${(e as Error).message}`, { cause: e });
  }
}
