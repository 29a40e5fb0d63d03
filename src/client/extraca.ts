// NODE_EXTRA_CA_CERTS, kept away from Node's start. Node reads and parses that
// file while it starts (~30 ms for a system bundle, on every command), and the
// CLI never uses it: its one TLS client (a daemon over TCP) verifies against
// the CA file it is given, as the docker CLI does (--tlscacert, ~/.docker/ca.pem
// or the context's), and does not verify at all without --tlsverify. bin/berth
// moves the variable to BERTH_EXTRA_CA_CERTS before Node starts; main() puts it
// back so child processes (ssh, credential helpers) see what the user set.

const DEFERRED = 'BERTH_EXTRA_CA_CERTS';

/** Called once at start-up: NODE_EXTRA_CA_CERTS back in the environment for children. */
export function restoreExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[DEFERRED];
  if (file === undefined) return;
  delete env[DEFERRED];
  env.NODE_EXTRA_CA_CERTS = file;
}
