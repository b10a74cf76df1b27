import { describe, expect, it } from 'vitest';
import {
  backupFileName,
  checkSchema,
  isBackupFileName,
  isSafeEntryPath,
  parseBackupManifest,
  type BackupManifest,
} from '../../../src/domain/backup-manifest.js';

const manifest = (over: Partial<BackupManifest> = {}): BackupManifest => ({
  format: 1,
  slipwayVersion: '0.1.0',
  schemaVersion: 4,
  createdAt: '2026-05-01T03:00:00.000Z',
  installation: null,
  apps: [{ name: 'shop', template: 'static-site' }],
  repos: [{ name: 'shop', head: 'refs/heads/main', refs: { 'refs/heads/main': 'a'.repeat(40) }, bundle: 'repos/shop.bundle', config: 'repos/shop.config' }],
  files: [
    { path: 'slipway.db', size: 10, sha256: 'b'.repeat(64) },
    { path: 'repos/shop.bundle', size: 5, sha256: 'c'.repeat(64) },
    { path: 'repos/shop.config', size: 5, sha256: 'd'.repeat(64) },
  ],
  leftOut: [],
  ...over,
});

describe('backup manifest', () => {
  it('reads back what a backup wrote', () => {
    expect(parseBackupManifest(JSON.stringify(manifest()), 'b.tar.gz')).toEqual(manifest());
  });

  it('refuses what it cannot trust, saying why', () => {
    expect(() => parseBackupManifest('{"format":1', 'b.tar.gz')).toThrow(/b\.tar\.gz is not a Slipway backup or is corrupt: its manifest is not JSON/);
    expect(() => parseBackupManifest('{"hello":1}', 'b.tar.gz')).toThrow(/not a Slipway backup or is corrupt: its manifest is not as expected/);
    expect(() => parseBackupManifest(JSON.stringify(manifest({ format: 2 })), 'b.tar.gz')).toThrow(
      /made by a newer Slipway \(archive format 2; this one reads 1\)/,
    );
    const escaping = manifest({ files: [...manifest().files, { path: '../../etc/cron.d/x', size: 1, sha256: 'e'.repeat(64) }] });
    expect(() => parseBackupManifest(JSON.stringify(escaping), 'b.tar.gz')).toThrow(/lists the file "\.\.\/\.\.\/etc\/cron\.d\/x"/);
    const unlisted = manifest({ files: manifest().files.filter((f) => f.path !== 'repos/shop.bundle') });
    expect(() => parseBackupManifest(JSON.stringify(unlisted), 'b.tar.gz')).toThrow(
      /the repo shop names repos\/shop\.bundle, which the manifest does not list/,
    );
  });

  it('refuses a database newer than this Slipway knows, and takes older ones', () => {
    expect(() => checkSchema(manifest({ schemaVersion: 9, slipwayVersion: '0.9.0' }), 4, 'b.tar.gz')).toThrow(
      'b.tar.gz holds a database at schema version 9 (made by Slipway 0.9.0); this Slipway knows schema 4 at most: upgrade Slipway first, then restore',
    );
    expect(() => checkSchema(manifest({ schemaVersion: 3 }), 4, 'b.tar.gz')).not.toThrow();
  });

  it('allows only relative paths with no way out of the restored folder', () => {
    for (const ok of ['slipway.db', 'tls/certs/shop.example.com.pem', 'repos/a-b.bundle']) expect(isSafeEntryPath(ok), ok).toBe(true);
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a//b', './a', 'a\\b', 'a\0b', 'a b']) expect(isSafeEntryPath(bad), bad).toBe(false);
  });

  it('names archives by the second they were made, and lists only those names', () => {
    const at = new Date('2026-05-01T03:00:07.123Z');
    expect(backupFileName(at)).toBe('slipway-backup-2026-05-01T03-00-07Z.tar.gz');
    expect(backupFileName(at, 2)).toBe('slipway-backup-2026-05-01T03-00-07Z-2.tar.gz');
    expect(isBackupFileName(backupFileName(at, 2))).toBe(true);
    for (const other of [
      'slipway.db',
      '.slipway-backup-x.partial',
      'slipway-backup-2026-05-01T03-00-07Z.tar.gz/../x',
      '../slipway-backup-2026-05-01T03-00-07Z.tar.gz',
    ])
      expect(isBackupFileName(other), other).toBe(false);
  });
});
