/** One rendered runbook file. */
export interface RenderedRunbook {
  /** Its path relative to the cloud assembly directory, e.g. `runbooks/<plan>/<database>/point-in-time.md`. */
  readonly path: string;
  /** Its Markdown. */
  readonly content: string;
}
