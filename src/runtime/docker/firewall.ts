// Installs and removes the iptables rules of Slipway's networks (firewall-rules.ts says which and why) with the
// iptables command. Without iptables, or without the right to change the firewall (not root, no CAP_NET_ADMIN),
// Slipway still runs: one warning in the log, and `slipway doctor` says how to turn it on.
import { readFileSync } from 'node:fs';
import type { FirewallStatus } from '../runtime.js';
import { ExecError, messageOf } from '../../shared/errors.js';
import { exec } from '../../shared/exec.js';
import type { Logger } from '../../shared/log.js';
import { FIREWALL_CHAINS, FIREWALL_JUMPS, bridgeOfRule, firewallRules, parseNameservers, splitRuleLine, type FirewallNetwork } from './firewall-rules.js';

export interface Firewall {
  /** Installs the network's rules, when missing (and the chains and jumps they need), before anything runs on it. */
  ensure(network: FirewallNetwork): Promise<void>;
  /** Removes every rule that names the bridge (after its network was removed). */
  remove(bridge: string): Promise<void>;
  /**
   * At start-up (rules do not survive a reboot; networks do): installs the rules of this installation's networks,
   * and removes rules whose bridge no network still has (`bridges`: every network's, of any installation).
   */
  sync(owned: readonly FirewallNetwork[], bridges: () => Promise<ReadonlySet<string>>): Promise<void>;
  status(): Promise<FirewallStatus>;
}

/** Runs iptables with these arguments; resolves with its exit code (0, or 1: "no such rule"), rejects otherwise. */
export type RunIptables = (args: readonly string[]) => Promise<{ code: number; stdout: string }>;

export interface FirewallOptions {
  /** SLIPWAY_FIREWALL. */
  enabled: boolean;
  log: Logger;
  /** The PATH iptables is looked up in (/usr/sbin and /sbin are added: a service user's PATH may lack them). */
  path: string;
  /** Tests give their own; the default runs the iptables command. */
  run?: RunIptables;
  /** The resolv.conf files whose nameservers containers may query (Docker uses systemd-resolved's upstream file). */
  resolvConfs?: readonly string[];
}

const RECHECK_MS = 60_000;

const FIX_UNAVAILABLE =
  'run Slipway as root, or give it CAP_NET_ADMIN (deploy/slipway.service does: AmbientCapabilities=CAP_NET_ADMIN), with iptables installed (apt-get install iptables); or set SLIPWAY_FIREWALL=off to run without it';

export function createFirewall(o: FirewallOptions): Firewall {
  const env = { PATH: `${o.path}:/usr/sbin:/sbin` };
  // -w: wait for the xtables lock that Docker and other tools take, rather than fail.
  const run: RunIptables = o.run ?? ((args) => exec('iptables', ['-w', ...args], { env, okCodes: [0, 1], timeoutMs: 30_000 }));
  const resolvConfs = o.resolvConfs ?? ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf'];
  let unavailable: Promise<string | null> | undefined;
  // Networks whose rules were found whole lately: a deploy or build does not check ~20 rules again (about 80 ms)
  // when the last check was less than a minute ago. Removing a network forgets it.
  const checkedAt = new Map<string, number>();
  // One change at a time: a check and the append after it must not interleave with another network's.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  /** Why the firewall cannot be changed here, or null. Asked once; the answer is logged once. */
  function whyUnavailable(): Promise<string | null> {
    unavailable ??= run(['-S', 'INPUT']).then(
      () => null,
      (e: unknown) => {
        const why = describeUnavailable(e);
        o.log.warn(`the firewall of Slipway's networks is not installed: ${why}; containers can reach this machine's services and its private networks`, {
          fix: FIX_UNAVAILABLE,
        });
        return why;
      },
    );
    return unavailable;
  }

  async function must(args: readonly string[]): Promise<void> {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`iptables ${args.join(' ')} failed (exit ${r.code})`);
  }

  const exists = async (args: readonly string[]) => (await run(args)).code === 0;

  async function ensureChains(): Promise<void> {
    // DOCKER-USER exists when dockerd manages iptables; made here (and jumped to from FORWARD) when it does not.
    for (const chain of [FIREWALL_CHAINS.input, FIREWALL_CHAINS.forward, 'DOCKER-USER']) if (!(await exists(['-S', chain]))) await run(['-N', chain]); // a concurrent -N fails with "exists": fine
    if (!(await exists(['-C', 'FORWARD', '-j', 'DOCKER-USER']))) await must(['-I', 'FORWARD', '1', '-j', 'DOCKER-USER']);
    // First in INPUT and DOCKER-USER, so no accepting rule of the host's goes before Slipway's drops.
    for (const j of FIREWALL_JUMPS) if (!(await exists(['-C', j.from, '-j', j.to]))) await must(['-I', j.from, '1', '-j', j.to]);
  }

  async function removeBridge(bridge: string): Promise<number> {
    let removed = 0;
    for (const chain of Object.values(FIREWALL_CHAINS)) {
      const listed = await run(['-S', chain]);
      if (listed.code !== 0) continue;
      for (const line of listed.stdout.split('\n')) {
        if (!line.startsWith(`-A ${chain} `) || bridgeOfRule(line) !== bridge) continue;
        // By its arguments, not its number: another installation may change the chain meanwhile.
        await run(['-D', ...splitRuleLine(line).slice(1)]);
        removed++;
      }
    }
    return removed;
  }

  async function ensureNetwork(network: FirewallNetwork): Promise<void> {
    await ensureChains();
    const rules = firewallRules(network, readNameservers(resolvConfs));
    const wanted = [...rules.input.map((r) => [FIREWALL_CHAINS.input, ...r]), ...rules.forward.map((r) => [FIREWALL_CHAINS.forward, ...r])];
    const present = await Promise.all(wanted.map((r) => exists(['-C', ...r])));
    if (present.every(Boolean)) return;
    // Some are missing (a first install, rules cut off midway, nameservers that changed): all of the network's
    // rules again, in order, so that no drop ever comes before the exceptions it follows.
    await removeBridge(network.bridge);
    for (const r of wanted) await must(['-A', ...r]);
    o.log.info('firewall rules installed', { network: network.name, bridge: network.bridge });
  }

  async function ensure(network: FirewallNetwork): Promise<void> {
    if (!o.enabled || (await whyUnavailable()) !== null) return;
    if (Date.now() - (checkedAt.get(network.bridge) ?? -Infinity) < RECHECK_MS) return;
    await serial(() => ensureNetwork(network)).then(
      () => checkedAt.set(network.bridge, Date.now()),
      (e: unknown) => {
        throw new Error(`installing the firewall rules of network ${network.name} failed: ${messageOf(e)} (SLIPWAY_FIREWALL=off runs without them)`, {
          cause: e,
        });
      },
    );
  }

  async function remove(bridge: string): Promise<void> {
    checkedAt.delete(bridge);
    if ((await whyUnavailable()) !== null) return;
    const removed = await serial(() => removeBridge(bridge));
    if (removed > 0) o.log.info('firewall rules removed', { bridge, rules: removed });
  }

  return {
    ensure,
    remove,
    async sync(owned, bridges) {
      if ((await whyUnavailable()) !== null) return;
      if (!o.enabled) {
        // Turned off: this installation's rules go (another installation's stay).
        for (const n of owned) await remove(n.bridge);
        return;
      }
      for (const n of owned) await ensure(n);
      // The rules first, then the networks: a network made meanwhile (with its rules) is then among those listed.
      const named = await serial(() => bridgesWithRules());
      const existing = await bridges();
      for (const bridge of named) if (!existing.has(bridge)) await remove(bridge);
    },
    async status() {
      if (!o.enabled)
        return {
          state: 'off',
          detail: "off (SLIPWAY_FIREWALL=off): app and build containers can reach this machine's services and its private networks",
          fix: 'unset SLIPWAY_FIREWALL (or set it to on) and restart',
        };
      const why = await whyUnavailable();
      if (why !== null) return { state: 'unavailable', detail: `not installed: ${why}`, fix: FIX_UNAVAILABLE };
      try {
        const jumps = await Promise.all(FIREWALL_JUMPS.map((j) => exists(['-C', j.from, '-j', j.to])));
        const networks = (await bridgesWithRules()).size;
        if (networks === 0) return { state: 'on', detail: 'on: each network gets its rules when it is made (none yet)' };
        if (!jumps.every(Boolean))
          return {
            state: 'unavailable',
            detail: `rules for ${networks} networks, but ${FIREWALL_CHAINS.input} or ${FIREWALL_CHAINS.forward} is not jumped to from INPUT or DOCKER-USER`,
            fix: 'restart Slipway: it puts the jumps back',
          };
        return {
          state: 'on',
          detail: `on: ${networks} network${networks === 1 ? '' : 's'} kept from this machine's services and private networks (iptables -S ${FIREWALL_CHAINS.input}; iptables -S ${FIREWALL_CHAINS.forward})`,
        };
      } catch (e) {
        return { state: 'unavailable', detail: `cannot read the rules: ${messageOf(e)}`, fix: FIX_UNAVAILABLE };
      }
    },
  };

  async function bridgesWithRules(): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chain of Object.values(FIREWALL_CHAINS)) {
      const listed = await run(['-S', chain]);
      if (listed.code !== 0) continue;
      for (const line of listed.stdout.split('\n')) {
        const bridge = line.startsWith(`-A ${chain} `) ? bridgeOfRule(line) : null;
        if (bridge) found.add(bridge);
      }
    }
    return found;
  }
}

function describeUnavailable(e: unknown): string {
  const text = messageOf(e);
  if (/ENOENT/.test(text)) return 'the iptables command is not installed';
  if (e instanceof ExecError && (e.exitCode === 4 || /denied|must be root|not permitted/i.test(e.stderrTail)))
    return 'not allowed to change the firewall (Slipway runs without root and without CAP_NET_ADMIN)';
  return `iptables does not work here: ${text}`;
}

function readNameservers(files: readonly string[]): string[] {
  const found = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const ns of parseNameservers(text)) found.add(ns);
  }
  return [...found];
}
