// One lifecycle operation at a time per container: a promise chain per ID.
export class ContainerLocks {
  private readonly chains = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every operation queued before it on this container (failed ones too). */
  locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.chains.set(id, tail);
    tail.then(() => {
      if (this.chains.get(id) === tail) this.chains.delete(id);
    });
    return next;
  }
}
