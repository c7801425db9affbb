import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { PresentationReason, RejectResult, RejectSource, ServiceUserReason } from './associate-reject.js';
import type { AssociationDecision, AssociationPolicy, AssociationReject, AssociationRequest } from './types.js';

/** One allow-list entry: a calling AE title (or `*` for any) and, optionally, the hosts it may come from. */
export interface AllowEntry {
  aeTitle: string;
  /** IPv4/IPv6 addresses or CIDR blocks (`10.0.0.0/8`, `fd00::/8`). Absent or empty: any host. */
  hosts?: string[];
}

/** The association policy of one listener. */
export interface ListenerPolicy {
  /** Listener name (ListenerOptions.name). */
  listener: string;
  /** The listener's own AE title: the called AE title must equal it. */
  aeTitle: string;
  /** Default deny: only calling AEs matching one entry are accepted. */
  allow: AllowEntry[];
  /** Concurrent associations allowed on this listener (needs `activeAssociations`). */
  maxAssociations?: number;
}

export interface AllowListPolicyOptions {
  listeners: ListenerPolicy[];
  /** Disk-pressure guard: true while the spool is below its free-space threshold. */
  isDiskLow?: () => boolean;
  /** Queue-depth guard: true while the durable queues hold limits.maxQueueDepth items or more. */
  isQueueFull?: () => boolean;
  /** Associations currently open on a listener (the transport's count). */
  activeAssociations?: (listener: string) => number;
}

const { Permanent, Transient } = RejectResult;

/** Permanent reject by the service-user (identity: PS3.8 Table 9-21). */
function rejectPermanent(reason: number, why: string): AssociationDecision {
  const r: AssociationReject = { result: Permanent, source: RejectSource.ServiceUser, reason, why };
  return { accept: false, ...r };
}

/** Transient reject by the service-provider (presentation): load, the peer should retry later. */
function rejectTransient(reason: number, why: string): AssociationDecision {
  const r: AssociationReject = { result: Transient, source: RejectSource.ServiceProviderPresentation, reason, why };
  return { accept: false, ...r };
}

/** `::ffff:10.1.2.3` → `10.1.2.3`, so IPv4 rules match IPv4 peers seen on a dual-stack socket. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/** Builds a matcher for a list of addresses / CIDR blocks. Throws on an unparsable entry. */
export function hostMatcher(hosts: string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of hosts) {
    const [rawAddr, prefix] = entry.split('/');
    const addr = normalizeAddress(rawAddr.trim());
    const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
    if (!type) throw new Error(`not an IP address or CIDR block: "${entry}"`);
    if (prefix === undefined) list.addAddress(addr, type);
    else {
      const bits = Number(prefix);
      const max = type === 'ipv4' ? 32 : 128;
      if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`bad CIDR prefix in "${entry}"`);
      list.addSubnet(addr, bits, type);
    }
  }
  return (address: string) => {
    const a = normalizeAddress(address);
    if (isIPv4(a)) return list.check(a, 'ipv4');
    if (isIPv6(a)) return list.check(a, 'ipv6');
    return false;
  };
}

/** AE titles are compared without the space padding allowed by PS3.5 (AE VR), case-sensitively. */
function sameAe(a: string, b: string): boolean {
  return a.trim() === b.trim();
}

interface CompiledEntry {
  aeTitle: string;
  matchesHost?: (address: string) => boolean;
}

/**
 * Default-deny association policy per listener. Checks, in order: the listener is known, the called
 * AE is the listener's (else permanent reject, reason 7), the calling AE is on the allow-list (else
 * reason 3), the peer's host is allowed for that AE (else reason 3, "host not allowed"). Identity is
 * checked before load so an unknown peer learns nothing about the node's state. Then the transient
 * rejects: disk low (source 3 "temporary congestion": the peer should retry later, PS3.8 Table
 * 9-21) and too many associations (source 3 "local limit exceeded", the reason PS3.8 defines for
 * exactly this).
 */
export class AllowListPolicy implements AssociationPolicy {
  private readonly listeners = new Map<string, { policy: ListenerPolicy; entries: CompiledEntry[] }>();

  constructor(private readonly opts: AllowListPolicyOptions) {
    for (const policy of opts.listeners) {
      const entries = policy.allow.map((e) => ({
        aeTitle: e.aeTitle.trim(),
        matchesHost: e.hosts && e.hosts.length > 0 ? hostMatcher(e.hosts) : undefined,
      }));
      this.listeners.set(policy.listener, { policy, entries });
    }
  }

  evaluate(req: AssociationRequest): AssociationDecision {
    const l = this.listeners.get(req.listener);
    if (!l) return rejectPermanent(ServiceUserReason.NoReasonGiven, `no policy for listener "${req.listener}"`);
    if (!sameAe(req.calledAeTitle, l.policy.aeTitle)) {
      return rejectPermanent(ServiceUserReason.CalledAeTitleNotRecognized, `called AE "${req.calledAeTitle.trim()}" is not this listener's AE "${l.policy.aeTitle}"`);
    }
    const byAe = l.entries.filter((e) => e.aeTitle === '*' || sameAe(e.aeTitle, req.callingAeTitle));
    if (byAe.length === 0) {
      return rejectPermanent(ServiceUserReason.CallingAeTitleNotRecognized, `calling AE "${req.callingAeTitle.trim()}" not on the allow-list`);
    }
    if (!byAe.some((e) => !e.matchesHost || e.matchesHost(req.remoteAddress))) {
      return rejectPermanent(ServiceUserReason.CallingAeTitleNotRecognized, `host not allowed: ${normalizeAddress(req.remoteAddress)} for calling AE "${req.callingAeTitle.trim()}"`);
    }
    if (this.opts.isDiskLow?.()) {
      return rejectTransient(PresentationReason.TemporaryCongestion, 'disk space below threshold');
    }
    if (this.opts.isQueueFull?.()) {
      return rejectTransient(PresentationReason.TemporaryCongestion, 'queue depth at its limit');
    }
    const max = l.policy.maxAssociations;
    if (max !== undefined && this.opts.activeAssociations && this.opts.activeAssociations(req.listener) >= max) {
      return rejectTransient(PresentationReason.LocalLimitExceeded, `max associations (${max}) reached`);
    }
    return { accept: true };
  }
}

/** Factory form of {@link AllowListPolicy}. */
export function createAllowListPolicy(opts: AllowListPolicyOptions): AssociationPolicy {
  return new AllowListPolicy(opts);
}
