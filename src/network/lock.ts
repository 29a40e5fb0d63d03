// A host-wide lock between berth daemons (an abstract unix socket: the kernel
// frees it if the holder dies), so two daemons picking a subnet at the same
// moment do not pick the same one before either bridge is up.
import * as net from 'node:net';

const NAME = '\0berth-network-pool';

function tryLock(): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(e)));
    srv.listen(NAME, () => resolve(srv));
  });
}

export async function withHostLock<T>(fn: () => Promise<T>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let srv: net.Server | undefined;
  while (!(srv = await tryLock())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the network pool lock');
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
  }
  try {
    return await fn();
  } finally {
    srv.close();
  }
}
