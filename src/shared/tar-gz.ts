// Gzipped tar archives of files on disk (tar-stream and node:zlib): written as a stream, one entry after the other,
// and read back entry by entry. Readable by GNU tar too (`tar -tzf`), long names in pax headers.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';

export interface TarSource {
  /** The name in the archive. */
  name: string;
  /** The file on disk; it must not change while the archive is written. */
  file: string;
}

/** Writes `entries` to `out` (a new file, 0600; an existing one is an error) and syncs it to disk. */
export async function writeTarGz(out: string, entries: readonly TarSource[]): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(out, { mode: 0o600, flags: 'wx' }));
  // A failure of the sink (a full disk) ends the whole write, even while an entry is being copied in.
  const failed = done.then(
    () => new Promise<never>(() => undefined),
    (e: unknown) => Promise.reject(e),
  );
  failed.catch(() => undefined); // handled where it is raced, or by `await done`
  try {
    for (const e of entries) {
      const { size, mtime } = await stat(e.file);
      const entry = pack.entry({ name: e.name, size, mode: 0o600, mtime });
      await Promise.race([pipeline(createReadStream(e.file), entry), failed]);
    }
    pack.finalize();
    await done;
  } catch (e) {
    pack.destroy(e as Error);
    await done.catch(() => undefined);
    throw e;
  }
  const fh = await open(out, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface TarEntry {
  name: string;
  type: string;
  size: number;
  /** The entry's content; read it whole before the next entry comes. */
  body: Readable;
}

/**
 * Reads the archive entry by entry. `onEntry` must consume `body` (or throw); what it throws, or a damaged gzip or
 * tar stream, ends the reading with that error.
 */
export async function readTarGz(file: string, onEntry: (entry: TarEntry) => Promise<void>): Promise<void> {
  const extract = tar.extract();
  const done = pipeline(createReadStream(file), createGunzip(), extract);
  done.catch(() => undefined); // its error also ends the loop below, which throws it
  try {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      await onEntry({ name, type: type ?? 'file', size: size ?? 0, body: entry as unknown as Readable });
    }
  } catch (e) {
    extract.destroy();
    throw e;
  }
  await done;
}
