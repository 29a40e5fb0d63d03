// The event stream behind `docker events`: a bounded in-memory history (for
// `since`) and live subscribers, with Docker's filter semantics.
import type { Container } from '../container';
import type { Filters } from '../filters';
import { nowNs } from '../util/time';

export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  // deprecated fields the API still sends
  status?: string;
  id?: string;
  from?: string;
}

const HISTORY = 1024;

/** A container event's attributes, as dockerd sends them: the container's labels, its image and name. */
export function containerAttributes(c: Container): Record<string, string> {
  return { ...c.Config.Labels, image: c.Config.Image, name: c.Name.slice(1) };
}

export class EventBus {
  private readonly history: EngineEvent[] = [];
  private readonly subs = new Set<(e: EngineEvent) => void>();

  emit(type: string, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const ns = nowNs();
    const e: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(ns / 1000000000n),
      timeNano: Number(ns),
    };
    if (type === 'container' || type === 'image') {
      e.status = action;
      e.id = id;
      if (type === 'container' && attributes.image) e.from = attributes.image;
    }
    const held = this.holds.find((h) => h.match(type, attributes));
    if (held) held.queue.push(e);
    else this.publish(e);
    return e;
  }

  private publish(e: EngineEvent): void {
    this.history.push(e);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    for (const s of this.subs) s(e);
  }

  private readonly holds: Array<{ match: (type: string, attributes: Record<string, string>) => boolean; queue: EngineEvent[] }> = [];

  /**
   * Holds back the events `match` picks until the returned release is called; they are
   * then published in order, stamped with the release time. Lets an exit announce `die`
   * before the network and volume events of its cleanup, as dockerd does, while the
   * cleanup still runs first. Release is idempotent.
   */
  hold(match: (type: string, attributes: Record<string, string>) => boolean): () => void {
    const h = { match, queue: [] as EngineEvent[] };
    this.holds.push(h);
    return () => {
      const i = this.holds.indexOf(h);
      if (i < 0) return;
      this.holds.splice(i, 1);
      for (const e of h.queue) {
        const ns = nowNs();
        e.time = Number(ns / 1000000000n);
        e.timeNano = Number(ns);
        this.publish(e);
      }
    };
  }

  /** Events at or after `sinceNs` (history), in order. */
  since(sinceNs: number): EngineEvent[] {
    return this.history.filter((e) => e.timeNano >= sinceNs);
  }

  private clients = 0;

  /** How many API clients follow the stream (info's NEventsListener). */
  get listeners(): number {
    return this.clients;
  }

  /** `client`: an API client's /events stream rather than an engine service. */
  subscribe(cb: (e: EngineEvent) => void, client = false): () => void {
    const sub = (e: EngineEvent) => cb(e);
    this.subs.add(sub);
    if (client) this.clients++;
    return () => {
      if (this.subs.delete(sub) && client) this.clients--;
    };
  }
}

/** The repository of an image reference, without tag or digest ("busybox:1" → "busybox"). */
function stripTag(ref: string): string {
  let r = ref;
  const at = r.indexOf('@');
  if (at >= 0) r = r.slice(0, at);
  const colon = r.lastIndexOf(':');
  if (colon > r.lastIndexOf('/')) r = r.slice(0, colon);
  return r.replace(/^(docker\.io|index\.docker\.io)\/(library\/)?/, '');
}

const FUZZY_ACTIONS = new Set(['health_status', 'exec_create', 'exec_start']);

/**
 * Docker's events filter (daemon/events/filter.go): type, event (exact, or by
 * prefix for health_status/exec_create/exec_start), scope, label, image, and
 * container/network/volume/daemon/plugin… by ID or name prefix.
 */
export function matchEvent(e: EngineEvent, f: Filters): boolean {
  const actionOk = f.get('event').some((v) => FUZZY_ACTIONS.has(v)) ? f.fuzzyMatch('event', e.Action) : f.exactMatch('event', e.Action);
  if (!actionOk || !f.exactMatch('type', e.Type)) return false;
  if (f.has('scope') && !f.exactMatch('scope', e.scope)) return false;
  for (const t of ['daemon', 'container', 'plugin', 'volume', 'network', 'node', 'service', 'secret', 'config']) {
    if (!(f.fuzzyMatch(t, e.Actor.ID) || f.fuzzyMatch(t, e.Actor.Attributes.name ?? ''))) return false;
  }
  const imageName = e.Actor.Attributes[e.Type === 'image' ? 'name' : 'image'] ?? '';
  if (
    !(
      f.exactMatch('image', e.Actor.ID) ||
      f.exactMatch('image', imageName) ||
      f.exactMatch('image', stripTag(e.Actor.ID)) ||
      f.exactMatch('image', stripTag(imageName))
    )
  )
    return false;
  if (f.has('label') && !f.matchKVList('label', e.Actor.Attributes)) return false;
  return true;
}
