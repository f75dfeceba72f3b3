/** The error `fn` throws; fails the calling test when it throws nothing. */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error to be thrown, but nothing was');
}
