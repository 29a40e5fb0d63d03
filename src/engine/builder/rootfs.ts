// A scratch root filesystem over an image's layers for the steps that need
// one without running anything (COPY/ADD, WORKDIR, reading /etc/passwd for
// --chown, the source of COPY --from): an overlay with its own upper dir in
// the data root's tmp/ (wiped at daemon start), no container record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRwLayer, mountRwLayer, unmountRwLayer, type LayerStore } from '../../storage';

export class ScratchRootfs {
  readonly dir: string;
  readonly merged: string;
  readonly upper: string;
  private mounted = false;
  private unpin: () => void;

  constructor(layers: LayerStore, tmpDir: string, topLayer: string | null) {
    this.unpin = layers.pin(topLayer ? [topLayer] : []);
    this.dir = fs.mkdtempSync(path.join(tmpDir, 'build-rootfs-'));
    try {
      const p = createRwLayer(this.dir);
      this.upper = p.upper;
      this.merged = mountRwLayer(layers, topLayer, this.dir);
      this.mounted = true;
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /** Unmounts (the upper dir stays readable for a commit). */
  unmount(): void {
    if (!this.mounted) return;
    unmountRwLayer(this.dir);
    this.mounted = false;
  }

  /** Unmounts and removes everything. */
  release(): void {
    try {
      this.unmount();
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
      this.unpin();
    }
  }
}

/** Is a directory empty (or missing)? */
export function isEmptyDir(dir: string): boolean {
  try {
    const d = fs.opendirSync(dir);
    try {
      return d.readSync() === null;
    } finally {
      d.closeSync();
    }
  } catch {
    return true;
  }
}
