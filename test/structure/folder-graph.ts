import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** `from → to` between two top-level folders of src/, with one importing file as evidence. */
export interface FolderEdge {
  from: string;
  to: string;
  via: string;
}

/**
 * The folder-level import graph of src/: an edge for every relative import, re-export or dynamic
 * import (type-only ones included: a type import ties two folders together as much as a value
 * import does, only the bundler drops it) whose target lies in another top-level folder.
 * Unit tests (`*.test.ts`) are left out: they sit beside the code and may reach any folder
 * without making the product's folders depend on each other.
 */
export function folderEdges(srcDir: string): FolderEdge[] {
  const edges = new Map<string, FolderEdge>();
  for (const file of productFiles(srcDir)) {
    const from = topFolder(srcDir, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = topFolder(srcDir, resolve(dirname(file), fileName));
      if (to === undefined || to === from || from === undefined) continue;
      const key = `${from}→${to}`;
      if (!edges.has(key)) edges.set(key, { from, to, via: relative(srcDir, file) });
    }
  }
  return [...edges.values()].sort((a, b) => `${a.from}→${a.to}`.localeCompare(`${b.from}→${b.to}`));
}

/**
 * The strongly connected groups of two or more folders (Tarjan): each is a set of folders that
 * reach each other through imports, i.e. a cycle. Sorted, so results compare as they are.
 */
export function folderCycles(edges: readonly Pick<FolderEdge, 'from' | 'to'>[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return groups.sort((a, b) => a.join().localeCompare(b.join()));
}

function productFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function topFolder(srcDir: string, file: string): string | undefined {
  const parts = relative(srcDir, file).split(sep);
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}
