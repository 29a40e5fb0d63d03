// The volume store: every volume by name, who references it (containers), and
// which volumes with mount options are mounted for whom. Docker's semantics:
// create of an existing name returns it, a referenced volume cannot be removed,
// and nothing but remove() ever deletes one.
import { randomBytes } from 'node:crypto';
import { conflict, EngineError, notFound } from '../util/errors';
import { log } from '../util/log';
import { LocalDriver } from './local';
import { ANONYMOUS_LABEL, LOCAL_DRIVER, type CreateOptions, type Volume, type VolumeDriver } from './types';

export type VolumeEvent = (action: 'create' | 'destroy', v: Volume) => void;

/** Errors carry Docker's "<op> <name>: <reason>" wording. */
function opError(op: string, name: string, e: unknown): EngineError {
  if (e instanceof EngineError) return new EngineError(e.status, `${op} ${name}: ${e.message}`);
  return new EngineError(500, `${op} ${name}: ${(e as Error).message ?? e}`);
}

export class VolumeStore {
  private readonly volumes = new Map<string, Volume>();
  private readonly refs = new Map<string, Set<string>>();
  /** mount-option volumes: the refs that have them mounted now */
  private readonly active = new Map<string, Set<string>>();
  private readonly mounted = new Set<string>();
  private readonly drivers = new Map<string, VolumeDriver>();

  constructor(
    root: string,
    private readonly onEvent: VolumeEvent = () => {},
  ) {
    const local = new LocalDriver(root);
    this.drivers.set(local.name, local);
  }

  load(): void {
    for (const d of this.drivers.values()) {
      const { volumes, mounted } = d.load();
      for (const v of volumes) this.volumes.set(v.Name, v);
      for (const n of mounted) this.mounted.add(n);
    }
  }

  private driver(name: string): VolumeDriver {
    const d = this.drivers.get(name || LOCAL_DRIVER);
    if (!d) throw notFound(`error looking up volume plugin ${name}: plugin "${name}" not found`);
    return d;
  }

  scope(v: Volume): string {
    return this.drivers.get(v.Driver)?.scope ?? 'local';
  }

  /**
   * Creates a volume, or returns the existing one of that name (its labels and
   * options unchanged, as Docker). An empty name makes an anonymous volume.
   */
  create(name: string, opts: CreateOptions = {}): { volume: Volume; created: boolean } {
    let labels = opts.labels ?? null;
    if (!name) {
      do name = randomBytes(32).toString('hex');
      while (this.volumes.has(name));
      labels = { ...(labels ?? {}), [ANONYMOUS_LABEL]: '' };
    }
    let v = this.volumes.get(name);
    let created = false;
    if (v) {
      if (opts.driver && opts.driver !== v.Driver) {
        this.driver(opts.driver);
        throw opError('create', name, conflict(`driver '${v.Driver}' already has volume '${name}': volume name must be unique`));
      }
    } else {
      try {
        v = this.driver(opts.driver ?? '').create(name, opts.options ?? null, labels);
      } catch (e) {
        throw opError('create', name, e);
      }
      this.volumes.set(name, v);
      created = true;
      this.onEvent('create', v);
    }
    if (opts.ref) this.reference(name, opts.ref);
    return { volume: v, created };
  }

  find(name: string): Volume | undefined {
    return this.volumes.get(name);
  }

  get(name: string): Volume {
    const v = this.volumes.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  list(): Volume[] {
    return [...this.volumes.values()];
  }

  isAnonymous(v: Volume): boolean {
    return !!v.Labels && ANONYMOUS_LABEL in v.Labels;
  }

  needsMount(v: Volume): boolean {
    return this.driver(v.Driver).needsMount(v);
  }

  reference(name: string, ref: string): void {
    let s = this.refs.get(name);
    if (!s) this.refs.set(name, (s = new Set()));
    s.add(ref);
  }

  release(name: string, ref: string): void {
    const s = this.refs.get(name);
    if (!s) return;
    s.delete(ref);
    if (s.size === 0) this.refs.delete(name);
  }

  refsOf(name: string): string[] {
    return [...(this.refs.get(name) ?? [])];
  }

  /** Removes a volume and its data. In use: 409. Missing: 404, or nothing with force. */
  remove(name: string, opts: { force?: boolean } = {}): Volume | undefined {
    const v = this.volumes.get(name);
    if (!v) {
      if (opts.force) return undefined;
      throw notFound(`get ${name}: no such volume`);
    }
    const refs = this.refsOf(name);
    if (refs.length) throw conflict(`remove ${name}: volume is in use - [${refs.join(', ')}]`);
    const d = this.driver(v.Driver);
    try {
      if (this.mounted.has(name)) {
        d.unmount(v);
        this.mounted.delete(name);
      }
      d.remove(v);
    } catch (e) {
      throw opError('remove', name, e);
    }
    this.volumes.delete(name);
    this.active.delete(name);
    this.onEvent('destroy', v);
    return v;
  }

  /** Makes the volume's data available for `ref` (mounts a mount-option volume on first use); returns the host path. */
  mount(name: string, ref: string): string {
    const v = this.get(name);
    const d = this.driver(v.Driver);
    if (!d.needsMount(v)) return v.Mountpoint;
    let s = this.active.get(name);
    if (!s) this.active.set(name, (s = new Set()));
    if (!this.mounted.has(name)) {
      try {
        d.mount(v);
      } catch (e) {
        if (s.size === 0) this.active.delete(name);
        throw e;
      }
      this.mounted.add(name);
    }
    s.add(ref);
    return v.Mountpoint;
  }

  /** Ends `ref`'s use; the last user of a mount-option volume unmounts it. Idempotent. */
  unmount(name: string, ref: string): void {
    const v = this.volumes.get(name);
    const s = this.active.get(name);
    if (!v || !s) return;
    s.delete(ref);
    if (s.size > 0) return;
    this.active.delete(name);
    if (!this.mounted.has(name)) return;
    try {
      this.driver(v.Driver).unmount(v);
      this.mounted.delete(name);
    } catch (e) {
      log().warn({ err: e, volume: name }, 'unmounting volume failed');
    }
  }

  /**
   * After a daemon restart, once running containers adopted their mounts: a
   * mount-option volume no one holds was left mounted by a start a crash cut short.
   */
  unmountUnused(): void {
    for (const name of [...this.mounted]) {
      const v = this.volumes.get(name);
      if (!v || this.active.get(name)?.size) continue;
      try {
        this.driver(v.Driver).unmount(v);
        this.mounted.delete(name);
        log().info({ volume: name }, 'unmounted a volume no running container uses');
      } catch (e) {
        log().warn({ err: e, volume: name }, 'unmounting volume failed');
      }
    }
  }

  /** After a daemon restart: `ref` (a running container) still has the volume mounted. */
  adoptMount(name: string, ref: string): void {
    const v = this.volumes.get(name);
    if (!v || !this.driver(v.Driver).needsMount(v) || !this.mounted.has(name)) return;
    let s = this.active.get(name);
    if (!s) this.active.set(name, (s = new Set()));
    s.add(ref);
  }
}
