// A private CNI configuration for CRI runtimes under test: one bridge conflist
// (bridge, host-local on a free /24, portmap, loopback) with a bridge name and
// an IPAM directory of its own, so runtimes side by side share nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freeSubnet16 } from './net';

export const CNI_PLUGINS = ['/usr/lib/cni', '/opt/cni/bin'].find((d) => fs.existsSync(path.join(d, 'bridge')));

export interface CniConf {
  /** the conf dir holding the conflist */
  dir: string;
  /** the bridge device the plugins create: the caller deletes it */
  bridge: string;
}

export function bridgeConflist(dir: string, name: string): CniConf {
  const S = freeSubnet16();
  const bridge = `bct-${Math.random().toString(16).slice(2, 8)}`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, '10-critest.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name,
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          ipMasq: false,
          ipam: { type: 'host-local', dataDir: path.join(dir, '..', `ipam-${name}`), ranges: [[{ subnet: `${S}.0.0/24` }]] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'loopback' },
      ],
    }),
  );
  return { dir, bridge };
}
