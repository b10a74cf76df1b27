// Custom domains: host names a person gives an app's environment besides the ones Slipway's host patterns make.
// The rule is pure: syntax, then what Slipway's own names already take (the UI host, the platform domain, any host
// the environments' patterns route to an app). Whether another app has the domain is the store's to say.
import { InvalidDomainError } from '../shared/errors.js';
import { branchPreviewsOn, routeForHost, type HostLayout } from './host-for.js';

export const MAX_DOMAIN_LENGTH = 253;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** What the rule checks a domain against: the environments' patterns, the platform domain and the public URL. */
export interface DomainSite extends HostLayout {
  readonly publicUrl: string;
}

/** Lower case, surrounding spaces and one trailing dot (the fully qualified form) removed. */
export function normaliseDomain(input: string): string {
  const trimmed = input.trim().toLowerCase();
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}

/** Why `domain` (normalised) cannot be a custom domain on `site`, or null when it can. */
export function explainCustomDomain(domain: string, site: DomainSite): string | null {
  const syntax = explainDomainSyntax(domain);
  if (syntax) return syntax;
  const uiHost = new URL(site.publicUrl).hostname.toLowerCase();
  if (domain === uiHost) return `${domain} is the host of Slipway's own UI and API (SLIPWAY_PUBLIC_URL)`;
  if (domain === site.domain) return `${domain} is Slipway's own domain (SLIPWAY_DOMAIN); apps get names under it`;
  const route = routeForHost(domain, site.environments, site.domain, branchPreviewsOn(site));
  if (route?.slug) return `${domain} is the host of a branch preview of app "${route.app}"; a custom domain must be outside those names`;
  if (route) {
    const env = site.environments.find((e) => e.name === route.environment);
    return `${domain} is the ${env?.title ?? route.environment} host Slipway gives app "${route.app}" (environments/${route.environment}.yaml); a custom domain must be outside those names`;
  }
  return null;
}

/** Syntax alone: DNS labels of a-z, 0-9 and "-", at least two of them, no IP address, no wildcard. */
export function explainDomainSyntax(domain: string): string | null {
  if (domain.length === 0) return 'a domain is required';
  if (domain.length > MAX_DOMAIN_LENGTH) return `a domain has at most ${MAX_DOMAIN_LENGTH} characters (this one has ${domain.length})`;
  if (domain.includes('*')) return 'wildcard domains are not supported: add each host name on its own';
  if (/^\[?[0-9a-f:.]*:[0-9a-f:.]*\]?$/.test(domain) || /^[0-9.]+$/.test(domain))
    return 'an IP address is not a domain: give a host name such as shop.example.com';
  if (/[/:@?#]/.test(domain)) return 'give the host name alone, without a scheme, port or path (shop.example.com)';
  if (domain.endsWith('.')) return 'a domain does not end with "."';
  const labels = domain.split('.');
  if (labels.length < 2) return 'a domain has at least two labels, such as example.com';
  for (const label of labels) {
    if (label.length === 0) return 'a domain has no empty labels (".." or a leading ".")';
    if (label.length > 63) return `each label of a domain has at most 63 characters ("${label.slice(0, 20)}…" has ${label.length})`;
    if (!LABEL.test(label))
      return `each label of a domain uses letters, digits and "-", and starts and ends with a letter or digit ("${label.slice(0, 63)}" does not)`;
  }
  if (/^[0-9]+$/.test(labels.at(-1)!)) return 'a domain ends with a name, not a number (an IP address is not a domain)';
  return null;
}

/** The normalised domain, or InvalidDomainError (400) saying why not. */
export function parseCustomDomain(input: unknown, site: DomainSite): string {
  if (typeof input !== 'string') throw new InvalidDomainError('a domain is required (a host name such as shop.example.com)');
  const domain = normaliseDomain(input);
  const why = explainCustomDomain(domain, site);
  if (why) throw new InvalidDomainError(`cannot use "${domain.slice(0, 80)}" as a custom domain: ${why}`);
  return domain;
}
