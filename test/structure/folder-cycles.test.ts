import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { folderCycles, folderEdges } from './folder-graph.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

describe('folder graph of src/', () => {
  const edges = folderEdges(SRC);

  it('has no cycle between folders', () => {
    const cycles = folderCycles(edges);
    const evidence = edges
      .filter((e) => cycles.some((c) => c.includes(e.from) && c.includes(e.to)))
      .map((e) => `${e.from} → ${e.to} (${e.via})`);
    expect({ cycles, evidence }).toEqual({ cycles: [], evidence: [] });
  });

  it('counts type-only, re-export and dynamic imports as edges', () => {
    // api/api-deps.ts imports pipeline only with `import type`.
    expect(edges).toContainEqual({ from: 'api', to: 'pipeline', via: 'api/api-deps.ts' });
  });
});

describe('folderCycles', () => {
  it('finds every group of folders that reach each other', () => {
    const edges = [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'c', to: 'a' },
      { from: 'd', to: 'a' },
      { from: 'e', to: 'f' },
      { from: 'f', to: 'e' },
    ];
    expect(folderCycles(edges)).toEqual([
      ['a', 'b', 'c'],
      ['e', 'f'],
    ]);
  });

  it('finds none in a layered graph', () => {
    const edges = [
      { from: 'api', to: 'provenance' },
      { from: 'app', to: 'api' },
      { from: 'app', to: 'provenance' },
    ];
    expect(folderCycles(edges)).toEqual([]);
  });
});
