// Slipway's JSON API seen from outside (for a server in a child process), and waiting on what it reports.
import { eventually, getViaProxy } from './app-http.js';

/** `token` per call overrides the default; null sends none. */
export type Api = (method: string, path: string, body?: unknown, token?: string | null) => Promise<{ status: number; body: any }>;

export function createApi(baseUrl: string, defaultToken: string): Api {
  return async (method, path, body, token = defaultToken) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  };
}

/** Waits until the app's preview answers 200 with a body containing `text`; returns the body. */
export async function waitForPreview(port: number, app: string, text: string, timeoutMs = 90_000): Promise<string> {
  const r = await eventually(
    async () => {
      const res = await getViaProxy(port, `${app}-preview.localhost`);
      return res.status === 200 && res.body.includes(text) ? res : null;
    },
    timeoutMs,
    `${app}'s preview to serve "${text}"`,
  );
  return r.body;
}

/** Builds and deployments left `building` or `deploying` (there should be none once the pipeline is idle). */
export async function unfinishedRecords(api: Api, app: string): Promise<string[]> {
  const builds = (await api('GET', `/api/apps/${app}/builds`)).body.builds as { id: string; status: string }[];
  const deployments = (await api('GET', `/api/apps/${app}/deployments`)).body.deployments as { id: string; status: string }[];
  return [...builds, ...deployments].filter((r) => r.status === 'building' || r.status === 'deploying').map((r) => `${r.id} ${r.status}`);
}
