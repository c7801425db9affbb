import { open, mkdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/**
 * fsync a directory so that a rename or a newly created entry inside it survives power loss
 * (POSIX: a rename is durable only once the directory holding the new name is synced).
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `mkdir -p` that also makes every directory it created durable: each new directory and the
 * parent holding its entry are synced, top-down.
 */
export async function mkdirDurably(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  const parent = dirname(firstCreated);
  const chain = [parent];
  const rest = relative(parent, dir).split(sep).filter(Boolean);
  let current = parent;
  for (const part of rest) {
    current = join(current, part);
    chain.push(current);
  }
  for (const d of chain) await fsyncDirectory(d);
}
