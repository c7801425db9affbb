import { ConformanceError } from '../shared/errors.js';
import { DimseStatus } from './status.js';

/**
 * Pixel Data that cannot be decoded: a corrupt or truncated codestream, a frame that decodes to
 * the wrong size, a bit depth the codec refuses. Thrown by the decode/render stage for one object
 * (one slice); the caller records it against that slice and goes on with the others.
 */
export class PixelDecodeError extends ConformanceError {
  readonly transferSyntaxUid: string;
  readonly frame?: number;

  constructor(message: string, opts: { transferSyntaxUid: string; frame?: number; cause?: unknown; code?: string }) {
    super(opts.code ?? 'PACS_E_PIXEL_DECODE', message, {
      dimseStatus: DimseStatus.DataSetDoesNotMatchSopClass,
      cause: opts.cause,
      details: { transferSyntaxUid: opts.transferSyntaxUid, ...(opts.frame === undefined ? {} : { frame: opts.frame }) },
    });
    this.transferSyntaxUid = opts.transferSyntaxUid;
    this.frame = opts.frame;
  }
}
