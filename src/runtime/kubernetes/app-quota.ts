// What one app may use in the cluster (its ResourceQuota), what each pod asks for, and the check
// that the environments fit into the quota with room for a rolling update.
import type { EnvironmentDef } from '../../domain/types.js';
import { ConfigError } from '../../shared/errors.js';
import { formatCpu, formatMemory, parseCpu, parseMemory } from './quantity.js';

export interface AppQuota {
  readonly requestsCpu: string;
  readonly requestsMemory: string;
  readonly limitsCpu: string;
  readonly limitsMemory: string;
  readonly pods: number;
}

/** The seed deployment's numbers: one small machine shared by many small apps. */
export const DEFAULT_APP_QUOTA: AppQuota = Object.freeze({ requestsCpu: '500m', requestsMemory: '256Mi', limitsCpu: '1', limitsMemory: '512Mi', pods: 6 });

export interface PodResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * An environment's `resources` are its pods' limits. Requests (what the scheduler reserves and
 * the quota counts) are a quarter of them: apps mostly idle, and this lets preview, production
 * and the extra pod of a rolling update share one app's quota.
 */
export function podResources(env: Pick<EnvironmentDef, 'resources'>): PodResources {
  const cpu = parseCpu(env.resources.cpu);
  const memory = parseMemory(env.resources.memory);
  return {
    requests: { cpu: formatCpu(Math.max(10, Math.floor(cpu / 4))), memory: formatMemory(Math.max(16 * 1024 ** 2, memory / 4)) },
    limits: { cpu: formatCpu(cpu), memory: formatMemory(memory) },
  };
}

/** LimitRange values: defaults for containers that name no resources, and the most one container may take. */
export function containerLimits(quota: AppQuota): Record<string, string> {
  return {
    defaultCpu: formatCpu(parseCpu(quota.limitsCpu) / 4),
    defaultMemory: formatMemory(parseMemory(quota.limitsMemory) / 4),
    defaultRequestCpu: formatCpu(Math.max(10, parseCpu(quota.requestsCpu) / 8)),
    defaultRequestMemory: formatMemory(parseMemory(quota.requestsMemory) / 8),
    maxCpu: quota.limitsCpu,
    maxMemory: quota.limitsMemory,
  };
}

/**
 * Throws when the environments cannot all run inside the quota while one of them rolls out (one
 * extra pod: the reconciler deploys one environment of an app at a time). Without this check a
 * rollout would wait for a pod the quota never admits, until its deadline.
 */
export function checkQuotaFits(environments: readonly Pick<EnvironmentDef, 'name' | 'replicas' | 'resources'>[], quota: AppQuota): void {
  if (environments.length === 0) return;
  const perEnv = environments.map((env) => {
    const r = podResources(env);
    const pods = Math.max(1, env.replicas);
    return {
      env,
      pods,
      cpu: parseCpu(r.limits.cpu),
      memory: parseMemory(r.limits.memory),
      reqCpu: parseCpu(r.requests.cpu),
      reqMemory: parseMemory(r.requests.memory),
    };
  });
  const sum = (f: (x: (typeof perEnv)[number]) => number) => perEnv.reduce((n, x) => n + x.pods * f(x), 0) + Math.max(...perEnv.map(f));
  const need = {
    pods: perEnv.reduce((n, x) => n + x.pods, 0) + 1,
    cpu: sum((x) => x.cpu),
    memory: sum((x) => x.memory),
    reqCpu: sum((x) => x.reqCpu),
    reqMemory: sum((x) => x.reqMemory),
  };
  const problems: string[] = [];
  if (need.pods > quota.pods) problems.push(`${need.pods} pods (quota: ${quota.pods})`);
  if (need.cpu > parseCpu(quota.limitsCpu)) problems.push(`limits.cpu ${formatCpu(need.cpu)} (quota: ${quota.limitsCpu})`);
  if (need.memory > parseMemory(quota.limitsMemory)) problems.push(`limits.memory ${formatMemory(need.memory)} (quota: ${quota.limitsMemory})`);
  if (need.reqCpu > parseCpu(quota.requestsCpu)) problems.push(`requests.cpu ${formatCpu(need.reqCpu)} (quota: ${quota.requestsCpu})`);
  if (need.reqMemory > parseMemory(quota.requestsMemory)) problems.push(`requests.memory ${formatMemory(need.reqMemory)} (quota: ${quota.requestsMemory})`);
  if (problems.length > 0) {
    const envs = perEnv.map((x) => `${x.env.name} ${x.pods}×${x.env.resources.cpu}/${x.env.resources.memory}`).join(', ');
    throw new ConfigError(
      `the environments (${envs}) do not fit into one app's Kubernetes quota during a rolling update: they need ${problems.join(', ')}. ` +
        'Lower resources or replicas in environments/*.yaml, or raise the app quota.',
    );
  }
}
