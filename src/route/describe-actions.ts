import type { RuleActions } from '../config/types.js';
import type { DeepReadonly } from '../config/deep-freeze.js';

/** A rule's actions in one line, for `config check`, the dry-run report and logs. */
export function describeActions(a: DeepReadonly<RuleActions>): string {
  if (a.kind === 'drop') return 'drop';
  const forward = a.forward.length > 0 ? `forward originals to ${a.forward.join(', ')}` : undefined;
  if (a.kind === 'forward') return forward!;
  const process = `windows ${a.windows.join(', ')}; enhance ${a.enhance}; output ${a.output}; to ${a.destinations.join(', ')}${a.report ? '; report SR' : ''}`;
  return forward ? `${forward}; ${process}` : process;
}
