import { describe, expect, it } from 'vitest';
import { KindRegistry } from './kind-registry.js';

describe('KindRegistry', () => {
  const a = { name: 'a' };
  const b = { name: 'b' };

  it('keeps kinds in registration order and finds them by name', () => {
    const r = new KindRegistry<{ name: string }>('thing', (k) => k.name);
    r.register(a);
    r.register(b);
    expect(r.all()).toEqual([a, b]);
    expect(r.get('b')).toBe(b);
    expect(r.get('c')).toBeUndefined();
  });

  it('ignores the same definition again and refuses another one under a registered name', () => {
    const r = new KindRegistry<{ name: string }>('thing', (k) => k.name);
    r.register(a);
    r.register(a);
    expect(r.version).toBe(1);
    expect(() => r.register({ name: 'a' })).toThrow("thing 'a' is registered already");
  });

  it('rebuilds a memo only after a registration', () => {
    const r = new KindRegistry<{ name: string }>('thing', (k) => k.name);
    let builds = 0;
    const names = r.memo(() => (builds++, r.all().map((k) => k.name)));
    expect(names()).toEqual([]);
    expect(names()).toEqual([]);
    r.register(a);
    expect(names()).toEqual(['a']);
    r.register(a);
    names();
    expect(builds).toBe(2);
  });
});
