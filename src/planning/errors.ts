/** A source given to plan does not exist. Nothing has been written when this is thrown. */
export class SourceNotFound extends Error {
  /** The missing sources, as given. */
  readonly sources: readonly string[];

  constructor(sources: readonly string[]) {
    super(
      `source not found: ${sources.join(', ')}; check the path` +
        (sources.length > 1 ? 's' : '') +
        ' (relative paths are resolved against the current folder)',
    );
    this.name = 'SourceNotFound';
    this.sources = sources;
  }
}

/** The blob name prefix cannot produce valid names. Nothing has been written when this is thrown. */
export class InvalidPrefix extends Error {
  constructor(reason: string) {
    super(`invalid prefix: ${reason}`);
    this.name = 'InvalidPrefix';
  }
}
