/**
 * The association acceptor's half of the DICOM upper-layer state machine (PS3.8 9.2.3, Table 9-10)
 * for the PDUs a peer sends. dcmjs-dimse acts on every PDU whatever the state (before this, an
 * A-RELEASE-RQ before any association was answered with A-RELEASE-RP), so the listener asks this
 * table first and hands the library only the PDUs the standard lets through.
 *
 * States: Sta2 connected, waiting for A-ASSOCIATE-RQ (ARTIM running); Sta3 A-ASSOCIATE-RQ handed
 * on, our answer pending; Sta6 established; Sta8 A-RELEASE-RQ handed on, our A-RELEASE-RP pending;
 * Sta13 waiting for the peer to close (after our A-ASSOCIATE-RJ, A-RELEASE-RP or A-ABORT); Sta1 the
 * peer aborted, the connection is closing.
 */
export type AcceptorState = 'Sta1' | 'Sta2' | 'Sta3' | 'Sta6' | 'Sta8' | 'Sta13';

/** A-ABORT source (PS3.8 Table 9-26). */
export const AbortSource = { ServiceUser: 0, ServiceProvider: 2 } as const;

/** A-ABORT reason/diag when the source is the service provider (PS3.8 Table 9-26). */
export const AbortReason = {
  NotSpecified: 0,
  UnrecognizedPdu: 1,
  UnexpectedPdu: 2,
  UnrecognizedPduParameter: 4,
  UnexpectedPduParameter: 5,
  InvalidPduParameterValue: 6,
} as const;

/** What to do with a received PDU: hand it to the protocol library, drop it (AA-6), or abort. */
export type PduVerdict =
  | { action: 'pass' }
  | { action: 'ignore' }
  | { action: 'abort'; source: number; reason: number; why: string };

/** A PDU that is invalid whatever the state (Evt19): unknown type, impossible length, unreadable. */
export interface InvalidPdu {
  reason: number;
  why: string;
}

export const PduType = {
  AssociateRq: 0x01,
  AssociateAc: 0x02,
  AssociateRj: 0x03,
  PDataTf: 0x04,
  ReleaseRq: 0x05,
  ReleaseRp: 0x06,
  Abort: 0x07,
} as const;

const PDU_NAMES: Record<number, string> = {
  1: 'A-ASSOCIATE-RQ',
  2: 'A-ASSOCIATE-AC',
  3: 'A-ASSOCIATE-RJ',
  4: 'P-DATA-TF',
  5: 'A-RELEASE-RQ',
  6: 'A-RELEASE-RP',
  7: 'A-ABORT',
};

const PASS: PduVerdict = { action: 'pass' };
const IGNORE: PduVerdict = { action: 'ignore' };

export class AcceptorStateMachine {
  state: AcceptorState = 'Sta2';

  /** The verdict on a received PDU header (`invalid` when it is one whatever the state), and the next state. */
  received(pduType: number, invalid?: InvalidPdu): PduVerdict {
    const name = PDU_NAMES[pduType] ?? `PDU type 0x${pduType.toString(16).padStart(2, '0')}`;
    const { state } = this;
    if (state === 'Sta1') return IGNORE;
    if (pduType === PduType.Abort && !invalid) {
      // AA-2 (Sta2, Sta13: close) or AA-3 (indicate the abort, close): the library closes.
      this.state = 'Sta1';
      return PASS;
    }
    if (state === 'Sta2') {
      if (pduType === PduType.AssociateRq && !invalid) {
        this.state = 'Sta3'; // AE-6
        return PASS;
      }
      // AA-1: A-ABORT with the service-user source (reason not significant, sent as 0).
      return this.abort(AbortSource.ServiceUser, AbortReason.NotSpecified, invalid?.why ?? `${name} before A-ASSOCIATE-RQ`);
    }
    if (state === 'Sta13') {
      // AA-7 for a new A-ASSOCIATE-RQ or an invalid PDU, AA-6 (ignore) for the rest.
      if (invalid) return this.abort(AbortSource.ServiceProvider, invalid.reason, invalid.why);
      if (pduType === PduType.AssociateRq) return this.abort(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu, `${name} while closing`);
      return IGNORE;
    }
    if (invalid) return this.abort(AbortSource.ServiceProvider, invalid.reason, invalid.why); // AA-8
    if (state === 'Sta6' && pduType === PduType.PDataTf) return PASS; // DT-2
    if (state === 'Sta6' && pduType === PduType.ReleaseRq) {
      this.state = 'Sta8'; // AR-2
      return PASS;
    }
    // AA-8: A-ABORT from the service provider, unexpected PDU.
    return this.abort(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu, `unexpected ${name} in ${state}`);
  }

  /**
   * The PDU just let through could not be read by the library (Evt19): judged in the state it
   * arrived in, so an unreadable A-ASSOCIATE-RQ is answered as in Sta2.
   */
  unreadable(why: string): PduVerdict {
    if (this.state === 'Sta3') this.state = 'Sta2';
    if (this.state === 'Sta8') this.state = 'Sta6';
    return this.received(-1, { reason: AbortReason.InvalidPduParameterValue, why });
  }

  /** Our A-ASSOCIATE-AC went out (AE-7). */
  accepted(): void {
    if (this.state === 'Sta3') this.state = 'Sta6';
  }

  /** Our A-ASSOCIATE-RJ went out (AE-8). */
  rejected(): void {
    if (this.state === 'Sta3') this.state = 'Sta13';
  }

  /** Our A-RELEASE-RP went out (AR-4). */
  released(): void {
    if (this.state === 'Sta8') this.state = 'Sta13';
  }

  private abort(source: number, reason: number, why: string): PduVerdict {
    this.state = 'Sta13';
    return { action: 'abort', source, reason, why };
  }
}
