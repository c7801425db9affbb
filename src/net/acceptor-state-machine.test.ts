import { describe, expect, it } from 'vitest';
import { AcceptorStateMachine, type AcceptorState } from './acceptor-state-machine.js';

/** A state machine brought to `state` by the PDUs and answers that lead there. */
function at(state: AcceptorState): AcceptorStateMachine {
  const m = new AcceptorStateMachine();
  if (state === 'Sta2') return m;
  m.received(0x01);
  if (state === 'Sta3') return m;
  m.accepted();
  if (state === 'Sta6') return m;
  m.received(0x05);
  if (state === 'Sta8') return m;
  m.released();
  return m;
}

const verdict = (state: AcceptorState, type: number, invalid?: { reason: number; why: string }): string => {
  const v = at(state).received(type, invalid);
  return v.action === 'abort' ? `abort ${v.source}/${v.reason}` : v.action;
};

// PS3.8 Table 9-10, acceptor columns, for every PDU a peer can send.
describe('acceptor state machine (PS3.8 Table 9-10)', () => {
  it('Sta2: A-ASSOCIATE-RQ goes on (AE-6), A-ABORT closes (AA-2), anything else is AA-1', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((t) => verdict('Sta2', t))).toEqual(['pass', 'abort 0/0', 'abort 0/0', 'abort 0/0', 'abort 0/0', 'abort 0/0', 'pass']);
    expect(verdict('Sta2', 0x47, { reason: 1, why: 'unknown' })).toBe('abort 0/0');
  });

  it('Sta3 and Sta8: only A-ABORT (AA-3); anything else is AA-8', () => {
    for (const s of ['Sta3', 'Sta8'] as const) {
      expect([1, 2, 3, 4, 5, 6, 7].map((t) => verdict(s, t))).toEqual(['abort 2/2', 'abort 2/2', 'abort 2/2', 'abort 2/2', 'abort 2/2', 'abort 2/2', 'pass']);
    }
  });

  it('Sta6: P-DATA-TF (DT-2), A-RELEASE-RQ (AR-2) and A-ABORT (AA-3) go on; the rest is AA-8 with the reason', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((t) => verdict('Sta6', t))).toEqual(['abort 2/2', 'abort 2/2', 'abort 2/2', 'pass', 'pass', 'abort 2/2', 'pass']);
    expect(verdict('Sta6', 0x47, { reason: 1, why: 'unknown' })).toBe('abort 2/1');
    expect(verdict('Sta6', 0x04, { reason: 6, why: 'too long' })).toBe('abort 2/6');
  });

  it('Sta13: A-ASSOCIATE-RQ and invalid PDUs are AA-7, A-ABORT closes (AA-2), the rest is ignored (AA-6)', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((t) => verdict('Sta13', t))).toEqual(['abort 2/2', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'pass']);
    expect(verdict('Sta13', 0x47, { reason: 1, why: 'unknown' })).toBe('abort 2/1');
  });

  it('moves Sta3 → Sta13 on A-ASSOCIATE-RJ and to Sta1 (everything ignored) after the peer aborts', () => {
    const rejected = at('Sta3');
    rejected.rejected();
    expect(rejected.state).toBe('Sta13');
    const m = at('Sta6');
    m.received(0x07);
    expect(m.state).toBe('Sta1');
    expect(m.received(0x01)).toEqual({ action: 'ignore' });
  });
});
