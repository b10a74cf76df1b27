// The default domain on Kubernetes: nip.io resolves `anything.203-0-113-7.nip.io` to 203.0.113.7, so
// every app gets a host name without any DNS set-up.
import { ConfigError } from '../../shared/errors.js';

/** `203.0.113.7` → `203-0-113-7.nip.io`. Dashes, not dots, so that the IP is one label and hosts stay one level deep. */
export function nipIoDomain(publicIp: string): string {
  const parts = publicIp.trim().split('.');
  const valid = parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
  if (!valid) throw new ConfigError(`"${publicIp}" is not an IPv4 address (expected the machine's public IP, such as 203.0.113.7)`);
  return `${parts.join('-')}.nip.io`;
}
