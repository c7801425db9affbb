import type { StoreItem, StoreOutcome } from './types.js';

/**
 * A StoreOutcome with the adapter's judgement for items that got no DIMSE status: `permanent` is
 * true when retrying cannot help as things stand (the peer accepted no presentation context for
 * the item's SOP class and transfer syntax, or the file could not be read).
 */
export interface ScuStoreOutcome extends StoreOutcome {
  permanent?: boolean;
}

/**
 * Groups store items by transfer syntax, and apart from the others those sent as stored, keeping
 * their order: one association per group.
 */
export function groupByTransferSyntax(items: StoreItem[]): StoreItem[][] {
  const groups = new Map<string, StoreItem[]>();
  for (const item of items) {
    const key = `${item.transferSyntaxUid}${item.asStored ? ' as stored' : ''}`;
    const g = groups.get(key);
    if (g) g.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}
