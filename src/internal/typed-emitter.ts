/** A listener of one event. */
export type Listener<E> = (event: E) => void;

/**
 * A minimal typed event emitter. Unlike Node's EventEmitter it has no special `'error'` event, and a
 * listener that throws is reported as a process warning instead of breaking the emitter's caller:
 * observers must never be able to break the runtime they observe.
 */
export class TypedEmitter<Events extends object> {
  #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Subscribe; returns a function that unsubscribes. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return () => this.off(name, listener);
  }

  /** Subscribe for one event only. */
  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(name, (event) => {
      off();
      listener(event);
    });
    return off;
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(name)?.delete(listener);
  }

  /** Listeners of every event (for leak checks). */
  listenerCount(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Cheap check so hot paths build event objects only when someone listens. */
  hasListeners(name: keyof Events): boolean {
    const set = this.#listeners.get(name);
    return set !== undefined && set.size > 0;
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(event);
      } catch (error) {
        process.emitWarning(`A listener of "${String(name)}" threw: ${error instanceof Error ? error.message : typeof error}`, {
          code: 'BROWSER_ACTOR_LISTENER',
        });
      }
    }
  }
}
