// Waits until a new web container answers its health path with 200, or says why it never did.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeploySpec, OnLine } from '../runtime.js';
import type { DockerAccess } from './docker-access.js';
import { probeHealth } from './probe-health.js';

/** Probe results that mean nothing listens on the port yet (Docker's port proxy resets when the app doesn't). */
const NOT_LISTENING = new Set(['ECONNREFUSED', 'ECONNRESET']);
const QUICK_PROBE_MS = 15;

export async function waitHealthy(
  d: DockerAccess,
  id: string,
  port: number,
  spec: DeploySpec,
  onLine: OnLine,
  signal?: AbortSignal,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { health } = spec.environment;
  const path = spec.settings.healthPath;
  let last = '';
  for (let attempt = 1; attempt <= health.attempts; attempt++) {
    if (signal?.aborted) return { ok: false, reason: 'the deploy was cancelled' };
    const probe = await probeHealth(port, path, health.timeoutSeconds * 1000);
    if (probe.ok) {
      onLine(`health check ${path} answered 200 (attempt ${attempt})`);
      return { ok: true };
    }
    if (probe.detail !== last) onLine(`waiting for ${path}: ${probe.detail}`);
    last = probe.detail;
    const state = await d.call('inspecting the container', () => d.docker.getContainer(id).inspect());
    if (!state.State.Running) return { ok: false, reason: `the container exited with code ${state.State.ExitCode} before ${path} answered 200` };
    const next = Date.now() + health.intervalSeconds * 1000;
    // While nothing listens yet (the server is starting), look again every QUICK_PROBE_MS until the next attempt
    // is due, so that live comes as soon as it listens rather than up to an interval later. A refused connection
    // on loopback costs nothing; once the app answers at all, it is probed at the configured pace only.
    for (let quick = probe; NOT_LISTENING.has(quick.detail) && next - Date.now() > QUICK_PROBE_MS && !signal?.aborted;) {
      await sleep(QUICK_PROBE_MS);
      // The full timeout: an app's first answer can be slow (one cut short here cost a whole interval).
      quick = await probeHealth(port, path, health.timeoutSeconds * 1000);
      if (quick.ok) {
        onLine(`health check ${path} answered 200 (attempt ${attempt})`);
        return { ok: true };
      }
    }
    await sleep(Math.max(0, next - Date.now()));
  }
  return { ok: false, reason: `${path} did not answer 200 after ${health.attempts} attempts (last: ${last})` };
}
