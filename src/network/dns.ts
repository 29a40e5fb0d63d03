// Docker's embedded DNS address inside a container's own network namespace:
// 127.0.0.11:53 (UDP and TCP) is DNATed to aardvark-dns on the network's
// gateway. No process per container: a few nft rules in the container's netns
// and route_localnet there (a loopback-sourced packet may then leave through
// eth0, masqueraded to the container's own address). Packets from outside to
// 127/8 stay dropped, except the replies of those DNATed queries.
import type { Container } from '../container';
import { EMBEDDED_DNS } from './etcfiles';
import type { NetworkContext } from './context';

export const DNS_TABLE = 'berth_dns';

/** nft input (one transaction) for the container's netns. */
export function embeddedDnsRules(target: string): string {
  return `table ip ${DNS_TABLE} {
  chain output {
    type nat hook output priority -100; policy accept;
    ip daddr ${EMBEDDED_DNS} udp dport 53 dnat to ${target}:53
    ip daddr ${EMBEDDED_DNS} tcp dport 53 dnat to ${target}:53
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    ip saddr 127.0.0.0/8 ip daddr ${target} masquerade
  }
  chain input {
    type filter hook input priority 0; policy accept;
    iifname != "lo" ip daddr 127.0.0.0/8 ct status dnat accept
    iifname != "lo" ip daddr 127.0.0.0/8 drop
  }
}
`;
}

/**
 * Shell run inside the new netns (/proc/sys/net is the opener's namespace):
 * arp_notify, so the container announces its address when netavark brings
 * eth0 up (an address freed and handed out again is otherwise sent to the old
 * MAC until the host's neighbour entry ages out, up to a minute); with the
 * embedded DNS also route_localnet (needed for its DNAT) and the nft rules.
 * netavark brings lo up.
 */
export const NETNS_INIT = 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_notify';
export const NETNS_INIT_WITH_DNS = `${NETNS_INIT} && echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec nft -f -`;

/**
 * Where 127.0.0.11 inside the container leads: aardvark-dns on the gateway of
 * its first DNS-enabled (user-defined) network; undefined when it has none.
 */
export function embeddedDnsTarget(m: NetworkContext, c: Container): string | undefined {
  for (const [name, e] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
    const n = m.store.find(e.NetworkID);
    if (!n || name === 'bridge' || n.Driver !== 'bridge' || !e.IPAddress) continue;
    const gw = n.IPAM.Config.find((x) => !x.Subnet.includes(':'))?.Gateway;
    if (gw) return gw;
  }
  return undefined;
}
