import { decodeRequestCommand, type RequestCommand } from './command-set.js';
import type { PdvItem, PdvSink } from './pdv-reader.js';

/** A command set is a few hundred bytes; one past this is not read (its fragments would pile up in memory). */
const MAX_COMMAND_BYTES = 64 * 1024;

/** Where a request's data set fragments go while it arrives (undefined from `openDataSet`: read and dropped). */
export interface DataSetTarget {
  append(bytes: Uint8Array): void;
}

export interface DimseRequestHandler<T extends DataSetTarget> {
  /** Whether the presentation context was accepted on this association. */
  acceptedContext(contextId: number): boolean;
  /** A request's command set announced a data set: where to put it. */
  openDataSet(contextId: number, command: RequestCommand): T | undefined;
  /** A complete request: its command and, when it had one, its data set. */
  request(contextId: number, command: RequestCommand, dataSet: T | undefined): void;
}

/**
 * Puts the PDV fragments of an association's incoming DIMSE messages together (PS3.7 §9.1, PS3.8
 * Annex E): the command set's fragments are gathered and read by the small command-set reader,
 * and the data set's fragments go straight to the target the handler opens for them. A message's
 * fragments must share its presentation context, an accepted one; its command comes before its
 * data set. Anything else is a protocol error: the text is returned and the association aborted.
 */
export class DimseMessageAssembler<T extends DataSetTarget> implements PdvSink {
  private commandParts: Buffer[] = [];
  private commandBytes = 0;
  private contextId = -1;
  /** Set while the data set of this request arrives. */
  private awaiting?: { command: RequestCommand; target: T | undefined };

  constructor(private readonly handler: DimseRequestHandler<T>) {}

  piece(item: PdvItem, bytes: Buffer, itemDone: boolean): string | undefined {
    if (this.contextId === -1) {
      if (!this.handler.acceptedContext(item.contextId)) return `presentation data value on presentation context ${item.contextId}, which was not accepted`;
      this.contextId = item.contextId;
    } else if (item.contextId !== this.contextId) {
      return `presentation data value on context ${item.contextId} inside a message on context ${this.contextId}`;
    }
    if (item.command) {
      if (this.awaiting) return 'command fragment while a data set was expected';
      this.commandBytes += bytes.length;
      if (this.commandBytes > MAX_COMMAND_BYTES) return `command set longer than ${MAX_COMMAND_BYTES} bytes`;
      if (bytes.length > 0) this.commandParts.push(Buffer.from(bytes));
      return itemDone && item.last ? this.commandDone() : undefined;
    }
    if (!this.awaiting) return 'data set fragment before its command';
    if (bytes.length > 0) this.awaiting.target?.append(bytes);
    if (itemDone && item.last) {
      const { command, target } = this.awaiting;
      const contextId = this.contextId;
      this.reset();
      this.handler.request(contextId, command, target);
    }
    return undefined;
  }

  private commandDone(): string | undefined {
    const bytes = this.commandParts.length === 1 ? this.commandParts[0]! : Buffer.concat(this.commandParts);
    this.commandParts = [];
    this.commandBytes = 0;
    const command = decodeRequestCommand(bytes);
    if (!command) return 'command set is not a readable DIMSE request';
    const contextId = this.contextId;
    if (command.commandDataSetType === 0x0101) {
      this.reset();
      this.handler.request(contextId, command, undefined);
      return undefined;
    }
    this.awaiting = { command, target: this.handler.openDataSet(contextId, command) };
    return undefined;
  }

  private reset(): void {
    this.contextId = -1;
    this.awaiting = undefined;
    this.commandParts = [];
    this.commandBytes = 0;
  }
}
