// Where a webhook may go (SSRF): its host is resolved, and every address it resolves to is checked, at creation
// and again before each delivery; the delivery then connects to the address that was checked (never resolving
// the name a second time), so a DNS answer that changes between check and connect (rebinding) cannot send it
// elsewhere. Loopback, private, link-local, unique-local, CGNAT and this server's own addresses and names are
// refused unless an admin allowed them (SLIPWAY_WEBHOOKS_ALLOW_PRIVATE, or the hook's allowPrivate flag).
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Config } from '../config/load-config.js';
import type { WebhookUrl } from '../domain/webhook-url.js';
import { nonPublicReason } from '../shared/address-rules.js';
import { WebhookUrlRefusedError, messageOf } from '../shared/errors.js';

export interface WebhookTarget {
  address: string;
  family: 4 | 6;
}

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The host did not resolve: at creation a bad URL, at delivery a failure tried again later. */
export class WebhookDnsError extends Error {}

export interface WebhookTargets {
  /** The address to connect to, after the checks; throws WebhookUrlRefusedError or WebhookDnsError. */
  resolve(url: WebhookUrl, allowPrivate: boolean): Promise<WebhookTarget>;
}

const OWN_TTL_MS = 60_000;

export function createWebhookTargets(config: Pick<Config, 'publicUrl' | 'domain' | 'webhooks'>, lookup: Lookup = systemLookup): WebhookTargets {
  const uiHost = new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  let own: { at: number; addresses: Promise<Set<string>> } | undefined;
  // This machine's interfaces, and where its own names (the UI's host, the app domain) point: a public IP that
  // is not on an interface (a cloud NAT) still reaches this server.
  const ownAddresses = (): Promise<Set<string>> => {
    if (own && Date.now() - own.at < OWN_TTL_MS) return own.addresses;
    const addresses = (async () => {
      const set = new Set<string>();
      for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) set.add(normalise(i.address));
      for (const name of new Set([uiHost, config.domain])) {
        if (isIP(name)) set.add(normalise(name));
        else for (const a of await lookup(name).catch(() => [])) set.add(normalise(a.address));
      }
      return set;
    })();
    own = { at: Date.now(), addresses };
    return addresses;
  };

  return {
    async resolve(url, allowPrivate) {
      const allowed = allowPrivate || config.webhooks.allowPrivate;
      const host = url.hostname;
      const how = 'webhooks may not reach it (SSRF) unless an admin allows it: SLIPWAY_WEBHOOKS_ALLOW_PRIVATE=true, or allowPrivate on the hook';
      if (!allowed && (host === uiHost || host === config.domain || host.endsWith(`.${config.domain}`)))
        throw new WebhookUrlRefusedError(`${host} is served by this Slipway; ${how}`);
      let addresses: { address: string; family: number }[];
      if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
      else {
        try {
          addresses = await lookup(host);
        } catch (e) {
          throw new WebhookDnsError(`${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? messageOf(e)})`);
        }
        if (addresses.length === 0) throw new WebhookDnsError(`${host} does not resolve`);
      }
      if (!allowed) {
        const mine = await ownAddresses();
        // Every address must pass: a name with one public and one private address is refused as a whole.
        for (const a of addresses) {
          const reason = nonPublicReason(a.address);
          const what = reason
            ? `${/^[aeiou]/i.test(reason) ? 'an' : 'a'} ${reason} address`
            : mine.has(normalise(a.address))
              ? "one of this server's own addresses"
              : null;
          if (what) throw new WebhookUrlRefusedError(`${isIP(host) ? host : `${host} resolves to ${a.address}, which`} is ${what}; ${how}`);
        }
      }
      const first = addresses[0]!;
      return { address: first.address, family: first.family === 6 ? 6 : 4 };
    },
  };
}

function normalise(address: string): string {
  return address.replace(/%.*$/, '').toLowerCase();
}
