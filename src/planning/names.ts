/** Longest blob name Shelby accepts, in JavaScript characters (UTF-16 code units). */
export const MAX_BLOB_NAME_LENGTH = 1024;

/** The outcome of a name check; `reason` says what is wrong and how long the name is. */
export type NameCheck = { ok: true } | { ok: false; reason: string };

/**
 * Builds the blob name for a file: the prefix followed by the file's path relative to its source,
 * with `/` separators, in Unicode NFC so that the same name typed on macOS (NFD file names) and on
 * Linux gives the same blob.
 */
export function toBlobName(prefix: string, relativePosixPath: string): string {
  return (prefix + relativePosixPath).normalize('NFC');
}

/**
 * Checks a blob name against Shelby's rules before anything is paid for: 1 to 1024 characters
 * counted as UTF-16 code units (as the SDK counts them, so a 240-byte name of 80 CJK characters
 * passes), no trailing `/`, and well-formed Unicode (a lone surrogate cannot be encoded as the
 * UTF-8 string the chain stores, so the registered and uploaded names would differ).
 */
export function validateBlobName(name: string): NameCheck {
  if (name.length === 0) return { ok: false, reason: 'the blob name is empty' };
  if (name.length > MAX_BLOB_NAME_LENGTH) {
    return {
      ok: false,
      reason:
        `the blob name is ${name.length} characters (${utf8Length(name)} bytes); ` +
        `Shelby accepts at most ${MAX_BLOB_NAME_LENGTH}: shorten the path or the prefix`,
    };
  }
  if (name.endsWith('/')) {
    return { ok: false, reason: 'the blob name ends with "/", which Shelby refuses' };
  }
  if (hasLoneSurrogate(name)) {
    return {
      ok: false,
      reason: 'the blob name is not valid Unicode (a lone UTF-16 surrogate): rename the file',
    };
  }
  return { ok: true };
}

/**
 * Checks a name prefix: it may be empty, must leave room for at least one character of file
 * name, and must be well-formed Unicode. It may end with `/` (the usual case) or not.
 */
export function validatePrefix(prefix: string): NameCheck {
  if (prefix.length > MAX_BLOB_NAME_LENGTH - 1) {
    return {
      ok: false,
      reason:
        `the prefix is ${prefix.length} characters; blob names are at most ` +
        `${MAX_BLOB_NAME_LENGTH}, so the prefix must be shorter than that`,
    };
  }
  if (hasLoneSurrogate(prefix)) {
    return { ok: false, reason: 'the prefix is not valid Unicode (a lone UTF-16 surrogate)' };
  }
  return { ok: true };
}

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return true;
    }
  }
  return false;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
