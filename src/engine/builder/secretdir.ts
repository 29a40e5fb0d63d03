// Where a daemon's build secrets live while their step runs: on /dev/shm (a
// tmpfs: a value never reaches a disk), one directory per data root, emptied
// when the daemon starts (a crash mid-step must not leave a secret behind).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function secretRoot(dataRoot: string): string {
  const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  return path.join(shm, 'berth-secrets-' + createHash('sha256').update(dataRoot).digest('hex').slice(0, 16));
}
