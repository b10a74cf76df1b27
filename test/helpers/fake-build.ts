// A stand-in for buildImage (src/build/build-image.ts) that needs no Docker: each build does what the test
// scripted (succeed, fail like a broken Dockerfile, throw, or hang until released or aborted), writes its log
// file like the real one, and is recorded. Its images (PipelineDeps.images) are a set of names that retention
// removes from.
import type { buildImage, BuildImageOptions, BuildImageResult } from '../../src/build/build-image.js';
import type { RemoveImageOptions, RemovedImage } from '../../src/build/remove-image.js';
import { BuildError } from '../../src/build/build-errors.js';
import { imageName } from '../../src/build/image-name.js';
import { openLineLog } from '../../src/shared/line-log.js';

export type FakeBuildStep = 'ok' | { fail: string } | { throw: Error } | { hang: true };

export interface BuildHold {
  /** Resolves when the build begins. */
  readonly started: Promise<void>;
  release(then?: Exclude<FakeBuildStep, { hang: true }>): void;
}

export interface FakeBuild {
  /** The function to put in PipelineDeps.build. */
  readonly build: typeof buildImage;
  /** Scripts the next build (builds take scripted steps in order; unscripted builds succeed). */
  next(step: FakeBuildStep): BuildHold;
  /** Commits built, oldest first, with how each ended. */
  readonly calls: { app: string; commit: string; result: 'pending' | 'ok' | 'failed' | 'aborted' }[];
  /** What to put in PipelineDeps.images: `existing` holds the names of the images built and not removed. */
  readonly images: {
    exists(docker: unknown, image: string): Promise<boolean>;
    remove(options: RemoveImageOptions): Promise<RemovedImage>;
    sizes(): Promise<Map<string, number>>;
    readonly existing: Set<string>;
    /** Images a container uses: removing them answers `in-use`. */
    readonly inUse: Set<string>;
  };
}

export function createFakeBuild(): FakeBuild {
  const queue: { step: FakeBuildStep; gate: Promise<Exclude<FakeBuildStep, { hang: true }>>; started: () => void }[] = [];
  const calls: FakeBuild['calls'] = [];
  const existing = new Set<string>();
  const inUse = new Set<string>();

  async function build(options: BuildImageOptions): Promise<BuildImageResult> {
    const call = { app: options.app, commit: options.commit, result: 'pending' as FakeBuild['calls'][number]['result'] };
    calls.push(call);
    const image = imageName(options.app, options.commit, options.registry);
    const log = openLineLog(options.logFile, options.onLine);
    const scripted = queue.shift();
    scripted?.started();
    try {
      log.line(`building ${image} from commit ${options.commit}`);
      let step = scripted?.step ?? 'ok';
      if (typeof step === 'object' && 'hang' in step) {
        const { signal } = options;
        // Like a Docker request cut off by its AbortSignal: the promise rejects with the signal's reason.
        step = await new Promise<Exclude<FakeBuildStep, { hang: true }>>((resolve, reject) => {
          const onAbort = () => reject(signal?.reason ?? new DOMException('This operation was aborted', 'AbortError'));
          if (signal?.aborted) return onAbort();
          signal?.addEventListener('abort', onAbort, { once: true });
          void scripted!.gate.then((then) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(then);
          });
        }).catch((e: unknown) => {
          call.result = 'aborted';
          throw e;
        });
      }
      if (typeof step === 'object' && 'throw' in step) {
        call.result = 'failed';
        throw step.throw;
      }
      if (typeof step === 'object') {
        call.result = 'failed';
        log.line(step.fail);
        const error = new BuildError(image, `the build of ${image} failed: ${step.fail}`);
        log.verdict(`build failed: ${error.message}`);
        throw error;
      }
      log.line(`built ${image}`);
      existing.add(image);
      call.result = 'ok';
      return { image, reused: false, durationMs: 1 };
    } finally {
      log.close();
    }
  }

  return {
    build,
    calls,
    images: {
      existing,
      inUse,
      exists: async (_docker, image) => existing.has(image),
      async remove({ image }) {
        if (inUse.has(image)) return { local: 'in-use', registry: 'none' };
        return { local: existing.delete(image) ? 'removed' : 'absent', registry: 'none' };
      },
      sizes: async () => new Map([...existing].map((i) => [i, 1000])),
    },
    next(step) {
      let release: (then: Exclude<FakeBuildStep, { hang: true }>) => void = () => undefined;
      let started: () => void = () => undefined;
      const gate = new Promise<Exclude<FakeBuildStep, { hang: true }>>((r) => (release = r));
      const startedP = new Promise<void>((r) => (started = r));
      queue.push({ step, gate, started });
      return { started: startedP, release: (then = 'ok') => release(then) };
    },
  };
}
