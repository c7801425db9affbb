import { NodeError, type NodeErrorOptions } from '../shared/errors.js';

/** The resource named in the URL does not exist (unknown job id, UID never seen). */
export class NotFoundError extends NodeError {
  constructor(what: string, opts: NodeErrorOptions = {}) {
    super('PACS_E_NOT_FOUND', `${what} not found`, { httpStatus: 404, ...opts });
  }
}

/** The request is valid but the resource is in a state that does not allow it (e.g. cancel a done job). */
export class StateConflictError extends NodeError {
  constructor(message: string, opts: NodeErrorOptions = {}) {
    super('PACS_E_STATE_CONFLICT', message, { httpStatus: 409, ...opts });
  }
}

/** Missing or wrong credentials. The message never repeats what was sent. */
export class UnauthorizedError extends NodeError {
  constructor(message = 'authentication required', opts: NodeErrorOptions = {}) {
    super('PACS_E_UNAUTHORIZED', message, { httpStatus: 401, ...opts });
  }
}

/** Valid credentials whose role does not include the route. */
export class ForbiddenError extends NodeError {
  constructor(message: string, opts: NodeErrorOptions = {}) {
    super('PACS_E_FORBIDDEN', message, { httpStatus: 403, ...opts });
  }
}

/** A request the node cannot act on (bad body, not DICOM). */
export class BadRequestError extends NodeError {
  constructor(message: string, opts: NodeErrorOptions = {}) {
    super('PACS_E_BAD_REQUEST', message, { httpStatus: 400, ...opts });
  }
}
