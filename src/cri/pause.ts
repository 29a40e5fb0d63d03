// The infra ("pause") image: a rootfs holding only Debian's static catatonit,
// made locally on first use, so a pod never waits on registry.k8s.io/pause.
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import type { Backend } from '../engine';

export const PAUSE_IMAGE = 'berth.local/pause:catatonit';
const CATATONIT = ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit'];

let making: Promise<string> | undefined;

/** The image id of the infra image, imported into berth's store when missing. */
export function ensurePauseImage(engine: Backend): Promise<string> {
  const img = engine.images.find(PAUSE_IMAGE);
  if (img) return Promise.resolve(img.id);
  making ??= makePauseImage(engine).finally(() => (making = undefined));
  return making;
}

async function makePauseImage(engine: Backend): Promise<string> {
  const bin = CATATONIT.find((p) => fs.existsSync(p));
  if (!bin) throw new Error(`catatonit is not installed (looked in ${CATATONIT.join(', ')}): pods need it as their infra process`);
  const pack = tar.pack();
  const data = fs.readFileSync(bin);
  pack.entry({ name: 'catatonit', mode: 0o755, size: data.length }, data);
  for (const d of ['dev', 'proc', 'sys', 'etc']) pack.entry({ name: d, type: 'directory', mode: 0o755 });
  pack.finalize();
  const [repo, tag] = PAUSE_IMAGE.split(/:(?=[^:/]+$)/);
  const img = await engine.images.import(Readable.from(pack as unknown as AsyncIterable<Buffer>), {
    repo,
    tag,
    changes: ['ENTRYPOINT ["/catatonit", "-P"]'],
    message: 'berth pod infra image',
  });
  return img.id;
}
