// A small JSON client for the Kubernetes API on top of a KubeConfig: requests, server-side apply, watches and streams.
//
// Why not the typed clients of @kubernetes/client-node: their model serializer renames and drops
// fields it does not know (LimitRange `default` becomes `_default`, anything newer than its
// bundled 1.34 models disappears without a word), so an applied manifest would not be the
// rendered one. Here objects go to the apiserver as rendered, and `fieldValidation=Strict` makes
// the apiserver refuse unknown fields instead of ignoring them. Authentication, TLS and proxies
// still come from the library's KubeConfig.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesError } from './kubernetes-error.js';
import { readLines } from './read-lines.js';

/** The field manager of every object Slipway applies: one owner, so a second apply changes nothing. */
export const FIELD_MANAGER = 'slipway';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  [field: string]: unknown;
}

export interface KubeList<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface KubeApi {
  readonly server: string;
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options?: { query?: Query; body?: unknown; contentType?: string }): Promise<T>;
  get<T>(path: string, query?: Query): Promise<T>;
  list<T>(path: string, query?: Query): Promise<KubeList<T>>;
  delete(path: string, query?: Query): Promise<void>;
  /** Server-side apply under FIELD_MANAGER (force: Slipway owns what it renders). Creates missing objects. */
  apply<T extends KubeObject>(object: KubeObject, options?: { dryRun?: boolean }): Promise<T>;
  /** The API path of an object or, without a name, of its collection (found by discovery, cached). */
  pathOf(object: { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string } }, withName?: boolean): Promise<string>;
  /** A streamed GET (logs, watches). The stream ends when `signal` aborts. */
  stream(path: string, query: Query, signal?: AbortSignal): Promise<IncomingMessage>;
  /** Watch events from `resourceVersion` on, until the server closes the watch or `signal` aborts. */
  watch<T>(path: string, query: Query, signal?: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
}

interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export function createKubeApi(kc: KubeConfig, options: { requestTimeoutMs?: number } = {}): KubeApi {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubernetesError('the kubeconfig has no current cluster', 0, 'Unreachable');
  const server = cluster.server.replace(/\/+$/, '');
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const discovery = new Map<string, Promise<ApiResource[]>>();

  async function send(
    method: string,
    path: string,
    query: Query | undefined,
    body: string | undefined,
    contentType: string | undefined,
    signal?: AbortSignal,
    streaming = false,
  ): Promise<IncomingMessage> {
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: RequestOptions & { headers: Record<string, string> } = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = contentType ?? 'application/json';
      opts.headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    // Re-applied per request: an in-cluster token file is rotated by the kubelet.
    await kc.applyToHTTPSOptions(opts);
    const doRequest = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = doRequest(url, { ...opts, signal }, (res) => {
        // An aborted stream emits 'error' even when nobody reads it any more; readers still get
        // errors through their async iterator, which listens on its own.
        if (streaming) res.on('error', () => undefined);
        resolve(res);
      });
      if (!streaming) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => {
        if (signal?.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        else reject(new KubernetesError(`the Kubernetes API at ${server} is not reachable: ${e.message}`, 0, 'Unreachable', { cause: e }));
      });
      req.end(body);
    });
  }

  async function readBody(res: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function failure(method: string, path: string, res: IncomingMessage): Promise<KubernetesError> {
    const text = await readBody(res);
    let status: Status = {};
    try {
      status = JSON.parse(text) as Status;
    } catch {
      status = { message: text.slice(0, 500) };
    }
    const code = res.statusCode ?? 0;
    const reason = status.reason ?? `HTTP${code}`;
    return new KubernetesError(`${method} ${path}: ${status.message ?? reason} (${code} ${reason})`, code, reason);
  }

  async function request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    o: { query?: Query; body?: unknown; contentType?: string } = {},
  ): Promise<T> {
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    const res = await send(method, path, o.query, body, o.contentType);
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) throw await failure(method, path, res);
    const text = await readBody(res);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function resourcesOf(apiVersion: string): Promise<ApiResource[]> {
    let found = discovery.get(apiVersion);
    if (!found) {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      found = request<{ resources: ApiResource[] }>('GET', base).then((r) => r.resources.filter((x) => !x.name.includes('/')));
      discovery.set(apiVersion, found);
      found.catch(() => discovery.delete(apiVersion));
    }
    return found;
  }

  async function pathOf(object: { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string } }, withName = true): Promise<string> {
    let resource = (await resourcesOf(object.apiVersion)).find((r) => r.kind === object.kind);
    if (!resource) {
      // A kind installed after the first discovery (a CRD): ask again once.
      discovery.delete(object.apiVersion);
      resource = (await resourcesOf(object.apiVersion)).find((r) => r.kind === object.kind);
    }
    if (!resource) throw new KubernetesError(`the cluster does not serve ${object.kind} in ${object.apiVersion}`, 404, 'NotFound');
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const ns = object.metadata?.namespace;
    if (resource.namespaced && !ns) throw new KubernetesError(`${object.kind} ${object.metadata?.name ?? ''} needs a namespace`, 400, 'BadRequest');
    const collection = resource.namespaced ? `${base}/namespaces/${encodeURIComponent(ns!)}/${resource.name}` : `${base}/${resource.name}`;
    if (!withName) return collection;
    const name = object.metadata?.name;
    if (!name) throw new KubernetesError(`${object.kind} without a name`, 400, 'BadRequest');
    return `${collection}/${encodeURIComponent(name)}`;
  }

  async function* watch<T>(path: string, query: Query, signal?: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const local = new AbortController();
    const onAbort = () => local.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await send('GET', path, { ...query, watch: true, allowWatchBookmarks: true }, undefined, undefined, local.signal, true);
      if (res.statusCode !== 200) throw await failure('WATCH', path, res);
      try {
        for await (const line of readLines(res)) {
          if (!line.trim()) continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === 'ERROR') {
            const status = event.object as Status;
            throw new KubernetesError(`watch ${path}: ${status.message ?? 'error'}`, status.code ?? 500, status.reason ?? 'Error');
          }
          yield event;
        }
      } catch (e) {
        // Aborting the request ends the stream with an error; that is the normal way out.
        if (local.signal.aborted) return;
        throw e;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      local.abort();
    }
  }

  return {
    server,
    request,
    get: (path, query) => request('GET', path, { query }),
    list: (path, query) => request('GET', path, { query }),
    async delete(path, query) {
      await request('DELETE', path, { query });
    },
    async apply<T extends KubeObject>(object: KubeObject, o: { dryRun?: boolean } = {}): Promise<T> {
      const path = await pathOf(object);
      return request<T>('PATCH', path, {
        query: { fieldManager: FIELD_MANAGER, force: true, fieldValidation: 'Strict', dryRun: o.dryRun ? 'All' : undefined },
        body: object,
        // JSON is valid YAML, and the apply content type is the YAML one.
        contentType: 'application/apply-patch+yaml',
      });
    },
    pathOf,
    async stream(path, query, signal) {
      const res = await send('GET', path, query, undefined, undefined, signal, true);
      if (res.statusCode !== 200) throw await failure('GET', path, res);
      return res;
    },
    watch,
  };
}
