// Figures the issue asks for that need features berth does not have yet.
// Each is a case whose available() says what it waits for; the report lists
// them as "not measured yet". To add one: give it setup/sample/teardown like
// the cases next door, and make available() probe the feature (or return true).
// Bigger images come from a local registry (Debian's docker-registry on
// 127.0.0.1), pushed once per run from a tarball the bench builds.
import type { Case } from '../framework';

function planned(id: string, title: string, section: string, how: string, waitingFor: string): Case {
  return {
    id,
    title,
    section,
    how,
    metrics: [],
    available: () => `not measured yet: ${waitingFor}`,
    async sample() {
      throw new Error(`${id} is not implemented yet`);
    },
  };
}

export const later: Case[] = [
  planned('pull', 'pull ~300 MB image', 'Images', 'MB/s of `docker pull` of a ~300 MB image from a local registry', 'image pull (registry client) and a local registry fixture'),
  planned('push', 'push ~300 MB image', 'Images', 'MB/s of `docker push` of the same image to a local registry', 'image push'),
  planned('save-load', 'save / load', 'Images', '`docker save` and `docker load` of the ~300 MB image, MB/s', 'image save/load'),
  planned('logs', 'logs throughput', 'Logs', '`docker logs` of a container that wrote 100 MB, MB/s', 'a 100 MB log workload (logs exist; case not written yet)'),
  planned('net-start', 'bridge vs none start', 'Networking', '`docker run --rm` on the default bridge vs --network none', 'bridge networking'),
  planned('port-throughput', 'published-port throughput', 'Networking', 'MB/s through a `-p 127.0.0.1::PORT` published port', 'published ports'),
];
