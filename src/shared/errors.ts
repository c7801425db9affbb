/**
 * One error family for the whole node. Every error carries a stable code (`PACS_E_*`), the HTTP
 * status the API answers with, whether a retry may succeed, and — where the error ends a C-STORE —
 * the DIMSE status to answer with. Catch only at stage boundaries; never throw strings.
 */
export interface NodeErrorOptions {
  httpStatus?: number;
  retryable?: boolean;
  dimseStatus?: number;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class NodeError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly dimseStatus?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, opts: NodeErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = opts.httpStatus ?? 500;
    this.retryable = opts.retryable ?? false;
    this.dimseStatus = opts.dimseStatus;
    this.details = opts.details;
  }
}

/** Invalid configuration: names the file and, where known, the line. */
export class ConfigError extends NodeError {
  constructor(message: string, opts: NodeErrorOptions & { file?: string; line?: number } = {}) {
    super('PACS_E_CONFIG', message, { httpStatus: 400, ...opts });
  }
}

/** Input that does not conform to the standard (bad DICOM, missing UIDs, wrong pixel length). */
export class ConformanceError extends NodeError {
  constructor(code: string, message: string, opts: NodeErrorOptions = {}) {
    super(code, message, { httpStatus: 422, dimseStatus: 0xc000, ...opts });
  }
}

/** A peer or the network failed in a way that a later retry may fix. */
export class TransientTransportError extends NodeError {
  constructor(message: string, opts: NodeErrorOptions = {}) {
    super('PACS_E_TRANSPORT_TRANSIENT', message, { httpStatus: 502, retryable: true, ...opts });
  }
}

/** A peer refused in a way that retrying will not change (goes to the dead state). */
export class PermanentTransportError extends NodeError {
  constructor(message: string, opts: NodeErrorOptions = {}) {
    super('PACS_E_TRANSPORT_PERMANENT', message, { httpStatus: 502, retryable: false, ...opts });
  }
}

/** A model file or manifest that does not follow the model contract. */
export class ModelContractError extends NodeError {
  constructor(message: string, opts: NodeErrorOptions = {}) {
    super('PACS_E_MODEL_CONTRACT', message, { httpStatus: 500, ...opts });
  }
}

/** Work stopped on request (job cancelled, node shutting down). */
export class CancelledError extends NodeError {
  constructor(message = 'cancelled', opts: NodeErrorOptions = {}) {
    super('PACS_E_CANCELLED', message, { httpStatus: 409, ...opts });
  }
}

export function isNodeError(err: unknown): err is NodeError {
  return err instanceof NodeError;
}

/** Message of any thrown value, for logs and database columns. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** An error as it crosses a thread or process boundary (structured clone keeps no class). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  httpStatus?: number;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof NodeError) {
    return { name: err.name, message: err.message, code: err.code, httpStatus: err.httpStatus, retryable: err.retryable, ...(err.details ? { details: err.details } : {}) };
  }
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** The error again, with its class where the family has one (callers test `instanceof`). */
export function reviveError(e: SerializedError): Error {
  const opts = { ...(e.details ? { details: e.details } : {}) };
  switch (e.name) {
    case 'CancelledError':
      return new CancelledError(e.message, opts);
    case 'ModelContractError':
      return new ModelContractError(e.message, opts);
    case 'ConfigError':
      return new ConfigError(e.message, opts);
  }
  if (e.code) return new NodeError(e.code, e.message, { ...opts, httpStatus: e.httpStatus, retryable: e.retryable });
  const plain = new Error(e.message);
  plain.name = e.name;
  return plain;
}
