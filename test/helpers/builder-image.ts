// The builder image (the project's Dockerfile) built from this checkout with the Docker CLI, tagged by a hash of
// what goes into it: the build context, the Dockerfile and the base image. A second run on the same source reuses
// the image; any change (a file in src/, views/ …, or a rebuilt base) builds again, on Docker's layer cache.
import { execFile } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const REPOSITORY = 'slipway-test/builder';

const OFFLINE_NODE_IMAGE = 'slipway-base/node:20';

export interface BuilderImage {
  image: string;
  /** The Node.js base it was built FROM. */
  nodeImage: string;
  /** False when an image of the same source was already there. */
  built: boolean;
  seconds: number;
}

/** Builds the image unless one of the same source exists; returns its name. */
export async function builderImage(): Promise<BuilderImage> {
  const started = Date.now();
  const nodeImage = await chooseNodeImage();
  const image = `${REPOSITORY}:${await sourceHash(nodeImage)}`;
  if (await imageExists(image)) return { image, nodeImage, built: false, seconds: 0 };
  try {
    // The classic builder, as Slipway's own builds use (Docker 20.10 has no buildx); argument arrays, no shell.
    await run('docker', ['build', '--build-arg', `NODE_IMAGE=${nodeImage}`, '-t', image, '.'], {
      cwd: ROOT,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    const tail = `${err.stdout ?? ''}${err.stderr ?? ''}`.trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`docker build (NODE_IMAGE=${nodeImage}) failed:\n${tail}`);
  }
  return { image, nodeImage, built: true, seconds: Math.round((Date.now() - started) / 1000) };
}

/**
 * NODE_IMAGE from SLIPWAY_BUILD_ARGS (scripts/test.sh exports what scripts/build-base-images.sh printed); else the
 * offline base when this engine has it; else the Dockerfile's default (node:20-bookworm-slim, from Docker Hub).
 */
async function chooseNodeImage(): Promise<string> {
  const fromArgs = /(?:^|,)NODE_IMAGE=([^,]+)/.exec(process.env.SLIPWAY_BUILD_ARGS ?? '')?.[1];
  if (fromArgs) return fromArgs;
  if (await imageExists(OFFLINE_NODE_IMAGE)) return OFFLINE_NODE_IMAGE;
  const fallback = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  if (!fallback) throw new Error('Dockerfile: no "ARG NODE_IMAGE=…" default');
  return fallback;
}

async function imageExists(image: string): Promise<boolean> {
  return run('docker', ['image', 'inspect', image]).then(
    () => true,
    () => false,
  );
}

/** Hash of the Dockerfile, .dockerignore, every file .dockerignore lets through, and the base image's id. */
async function sourceHash(nodeImage: string): Promise<string> {
  const hash = createHash('sha256');
  const baseId = await run('docker', ['image', 'inspect', '-f', '{{.Id}}', nodeImage]).then(
    (r) => r.stdout.trim(),
    () => 'not pulled yet',
  );
  hash.update(`${nodeImage} ${baseId}\0`);
  for (const entry of ['Dockerfile', '.dockerignore', ...contextEntries()]) addToHash(hash, entry);
  return hash.digest('hex').slice(0, 16);
}

/**
 * The top-level files and folders .dockerignore lets through. It is an allow-list (`**`, then `!name` and
 * `!name/**` lines); anything cleverer would need Docker's own matcher, so it is refused here.
 */
function contextEntries(): string[] {
  const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const entries = new Set<string>();
  for (const line of lines.slice(1)) {
    const m = /^!([A-Za-z0-9._-]+)(\/\*\*)?$/.exec(line);
    if (lines[0] !== '**' || !m) throw new Error(`.dockerignore: "${line}" is not "!name" or "!name/**" after "**"; update test/helpers/builder-image.ts`);
    entries.add(m[1]!);
  }
  return [...entries].sort();
}

/** Path, executable bit (hooks must keep it) and content of a file, or of every file under a folder. */
function addToHash(hash: Hash, path: string): void {
  const full = join(ROOT, path);
  const stat = statSync(full);
  if (stat.isDirectory()) {
    for (const name of readdirSync(full).sort()) addToHash(hash, `${path}/${name}`);
    return;
  }
  hash.update(`${path}\0${stat.mode & 0o111 ? 'x' : '-'}\0`);
  hash.update(readFileSync(full));
  hash.update('\0');
}
