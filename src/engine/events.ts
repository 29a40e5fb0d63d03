// The event stream behind `docker events`: a bounded in-memory history (for
// `since`) and live subscribers, with Docker's filter semantics.
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

export type Filters = Record<string, string[]>;

const HISTORY = 1024;

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
    this.history.push(e);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    for (const s of this.subs) s(e);
    return e;
  }

  /** Events at or after `sinceNs` (history), in order. */
  since(sinceNs: number): EngineEvent[] {
    return this.history.filter((e) => e.timeNano >= sinceNs);
  }

  subscribe(cb: (e: EngineEvent) => void): () => void {
    this.subs.add(cb);
    return () => this.subs.delete(cb);
  }
}

/** Docker's event filters: type, event/action, container, image, label, name?, daemon, network, volume. */
export function matchEvent(e: EngineEvent, f: Filters): boolean {
  const has = (k: string) => f[k] && f[k].length > 0;
  if (has('type') && !f.type.includes(e.Type)) return false;
  if (has('event') && !f.event.some((a) => a === e.Action || e.Action.startsWith(a + ':'))) return false;
  const nameOrId = (vals: string[]) =>
    vals.some((v) => e.Actor.ID === v || e.Actor.ID.startsWith(v) || e.Actor.Attributes.name === v);
  if (has('container') && (e.Type !== 'container' || !nameOrId(f.container))) return false;
  if (has('image')) {
    const img = e.Type === 'image' ? e.Actor.ID : e.Actor.Attributes.image;
    const name = e.Type === 'image' ? e.Actor.Attributes.name : undefined;
    if (!f.image.some((v) => v === img || v === name || (img && (img.split(':')[0] === v || img === `${v}:latest`)))) return false;
  }
  if (has('label')) {
    for (const l of f.label) {
      const eq = l.indexOf('=');
      const k = eq < 0 ? l : l.slice(0, eq);
      if (!(k in e.Actor.Attributes)) return false;
      if (eq >= 0 && e.Actor.Attributes[k] !== l.slice(eq + 1)) return false;
    }
  }
  for (const t of ['network', 'volume', 'daemon']) if (has(t) && (e.Type !== t || !nameOrId(f[t]))) return false;
  return true;
}
