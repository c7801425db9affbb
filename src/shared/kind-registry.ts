/**
 * Kinds registered by name (destination kinds, output kinds): registering the same definition
 * again does nothing, another definition under a registered name is a programming error. The
 * version changes with every registration, so what is built from the registry (a config schema)
 * knows when to rebuild.
 */
export class KindRegistry<T> {
  private readonly kinds = new Map<string, T>();
  private changes = 0;

  constructor(
    private readonly what: string,
    private readonly nameOf: (kind: T) => string,
  ) {}

  register(kind: T): void {
    const name = this.nameOf(kind);
    const known = this.kinds.get(name);
    if (known === kind) return;
    if (known) throw new Error(`${this.what} '${name}' is registered already`);
    this.kinds.set(name, kind);
    this.changes += 1;
  }

  get(name: string): T | undefined {
    return this.kinds.get(name);
  }

  /** In registration order. */
  all(): T[] {
    return [...this.kinds.values()];
  }

  get version(): number {
    return this.changes;
  }

  /** `build()`'s value, built again only when a kind was registered since the last call. */
  memo<V>(build: () => V): () => V {
    let built: { version: number; value: V } | undefined;
    return () => {
      if (built?.version !== this.changes) built = { version: this.changes, value: build() };
      return built.value;
    };
  }
}
