/**
 * The mixed batch every crash trial uploads: many small files in nested folders (they share
 * `register_multiple_blobs` transactions), a few multi-MiB files (one group and one transaction
 * each, several chunksets of commitments), a 0-byte file, a non-ASCII name, and a symbolic link
 * (reported as skipped, since links are not followed by default).
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const MIB = 1024 * 1024;

/**
 * Writes the tree under `root` and returns what a batch of it must end with.
 * @param {string} root an empty folder
 * @param {ReturnType<import('./random').createRandom>} random
 * @param {{ smallFiles: number, largeFiles: number }} shape
 * @returns {{ files: { name: string, size: number }[], skipped: string[], entries: number, bytes: number }}
 */
function buildSourceTree(root, random, shape) {
  const files = [];
  const write = (name, contents) => {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
    files.push({ name, size: contents.length });
  };

  for (let i = 0; i < shape.smallFiles; i++) {
    // Mostly a few KiB, now and then a few hundred KiB, so groups close on count and on bytes.
    const size = random.next() < 0.1 ? random.int(64 * 1024, 600 * 1024) : random.int(1, 24 * 1024);
    write(`small/d${i % 6}/f${String(i).padStart(4, '0')}.bin`, random.bytes(size));
  }
  for (let i = 0; i < shape.largeFiles; i++) {
    write(`large/part-${i}.bin`, random.bytes(random.int(2 * MIB, 6 * MIB)));
  }
  write('empty.txt', Buffer.alloc(0));
  write('docs/résumé – notes.txt', Buffer.from('non-ASCII names are normalised, then uploaded\n'));

  fs.symlinkSync('../empty.txt', path.join(root, 'docs', 'link-to-empty'));
  const skipped = ['docs/link-to-empty'];

  return {
    files,
    skipped,
    entries: files.length + skipped.length,
    bytes: files.reduce((sum, f) => sum + f.size, 0),
  };
}

module.exports = { buildSourceTree };
