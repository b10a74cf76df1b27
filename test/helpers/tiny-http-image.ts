// A tiny image for runtime tests that needs no base image: test/fixtures/tiny-http/main.go built as one static
// file and imported with `docker import`. Answers /health, and / with "APP ENVIRONMENT COMMIT".
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const TINY_HTTP_IMAGE = 'slipway-test/tiny-http:1';
const SOURCE = join(import.meta.dirname, '..', 'fixtures', 'tiny-http', 'main.go');

/** Builds and imports the image unless the engine has it already; returns its name. */
export async function tinyHttpImage(): Promise<string> {
  const present = await run('docker', ['image', 'inspect', TINY_HTTP_IMAGE]).then(
    () => true,
    () => false,
  );
  if (present) return TINY_HTTP_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-tiny-http-'));
  try {
    await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', join(dir, 'server'), SOURCE], {
      env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', PATH: `${process.env['PATH'] ?? ''}:/usr/local/go/bin` },
    });
    await run('tar', ['-cf', join(dir, 'image.tar'), '-C', dir, 'server']);
    await run('docker', ['import', '-c', 'CMD ["/server"]', join(dir, 'image.tar'), TINY_HTTP_IMAGE]);
    return TINY_HTTP_IMAGE;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
