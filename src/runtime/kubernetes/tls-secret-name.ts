// The name of the TLS Secret holding a custom domain's certificate in the app's namespace: what the certificate
// manager writes and what the environment's HTTPS Ingress names (through `tlsSecretFor`).
import { createHash } from 'node:crypto';

/**
 * `tls-` + the domain with dots as dashes + 8 hex of its hash: readable, a valid Secret name for any valid domain
 * (at most 253 characters), and two domains that read the same with dashes (`a-b.com`, `a.b-com`) still differ.
 */
export function tlsSecretName(domain: string): string {
  const readable = domain.replaceAll('.', '-').slice(0, 200).replace(/-+$/, '');
  return `tls-${readable}-${createHash('sha256').update(domain).digest('hex').slice(0, 8)}`;
}
