// Where the time of one measured run goes, taken in-process without changing src/: when each git hook reaches
// the server, the pipeline's own events (build, deploy lines, status), and every Docker API call with its
// duration (wrapped at docker-modem's `dial`, which every dockerode call goes through).
import type Docker from 'dockerode';
import type { Pipeline } from '../../src/pipeline/create-pipeline.js';
import type { PipelineDeps } from '../../src/pipeline/deps.js';

export interface TraceMark {
  /** performance.now() when it happened. */
  at: number;
  what: string;
}

export interface DockerCall {
  start: number;
  /** When Docker answered (for streams: when the response headers came). */
  end: number;
  /** `POST /containers/{id}/start`, ids and names folded. */
  call: string;
}

export interface Recording {
  readonly marks: TraceMark[];
  readonly calls: DockerCall[];
  /** The time of the first mark matching `what` at or after `after`. */
  first(what: RegExp, after?: number): number | undefined;
  mark(what: string): void;
}

export interface PipelineTrace {
  /** Starts a new recording (the previous one stops receiving). */
  begin(): Recording;
}

type Dial = (options: { method?: string; path?: string }, callback: (err: unknown, data: unknown) => void) => void;

/** Folds ids and names out of a Docker API path so calls of one kind are counted together. */
function foldPath(path: string): string {
  return path
    .split('?')[0]!
    .replace(/^\/v[0-9.]+/, '')
    .replace(/^\/images\/.+\/(json|push|tag)$/, '/images/{id}/$1')
    .replace(/^\/(containers|networks)\/(?!create$|json$|prune$)[^/]+/, '/$1/{id}');
}

export function tracePipeline(pipeline: Pipeline, deps: Pick<PipelineDeps, 'events' | 'docker'>, app: () => string): PipelineTrace {
  let current: Recording | undefined;
  const now = () => performance.now();
  const mark = (what: string) => current?.marks.push({ at: now(), what });

  const preReceive = pipeline.preReceive.bind(pipeline);
  const postReceive = pipeline.postReceive.bind(pipeline);
  pipeline.preReceive = (input, say) => {
    mark('hook pre-receive arrived');
    try {
      return preReceive(input, say);
    } finally {
      mark('hook pre-receive answered');
    }
  };
  pipeline.postReceive = async (input, say) => {
    mark('hook post-receive arrived');
    try {
      return await postReceive(input, say);
    } finally {
      mark('hook post-receive answered');
    }
  };

  deps.events.subscribe('*', (e) => {
    if (e.app !== app()) return;
    if (e.type === 'build') mark(`build ${e.status}${e.reused ? ' (reused)' : ''}`);
    else if (e.type === 'deployment') mark(`deployment ${e.environment} ${e.status}`);
    else if (e.type === 'deploy-line') mark(`deploy: ${e.line}`);
  });

  const modem = (deps.docker as Docker).modem as unknown as { dial: Dial };
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    const recording = current;
    const start = now();
    const call = `${options.method ?? 'GET'} ${foldPath(options.path ?? '')}`;
    dial(options, (err, data) => {
      recording?.calls.push({ start, end: now(), call });
      recording?.marks.push({ at: now(), what: `docker ${call}` });
      callback(err, data);
    });
  };

  return {
    begin() {
      const marks: TraceMark[] = [];
      const calls: DockerCall[] = [];
      current = {
        marks,
        calls,
        first: (what, after = -Infinity) => marks.find((m) => m.at >= after && what.test(m.what))?.at,
        mark: (what) => marks.push({ at: now(), what }),
      };
      return current;
    },
  };
}
