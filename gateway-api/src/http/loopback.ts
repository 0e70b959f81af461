/**
 * Whether a listen address is reachable only from its own host: the IPv4
 * loopback block 127.0.0.0/8, IPv6 `::1` (also IPv4-mapped `::ffff:127.x.y.z`),
 * or `localhost`. Anything else (`0.0.0.0`, `::`, a host name, a routable
 * address) may be reached from other hosts, so it needs TLS.
 */
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** True for `127.0.0.0/8`, `::1` (with or without brackets) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  if (family === 0) return false;
  return LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}
