/**
 * A problem with the configuration: a malformed file, a field with the wrong value, an
 * unresolvable secret reference or a key that does not match its account.
 *
 * The message always says where the problem is (file, field path) and what was expected, so the
 * user can fix it without reading code. It never contains a secret's value.
 */
export class ConfigError extends Error {
  /** Every problem found, one line each; `message` is these lines joined by newlines. */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(list.join('\n'));
    this.name = 'ConfigError';
    this.problems = list;
  }
}
