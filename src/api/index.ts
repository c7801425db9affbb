export { buildApi, startApi, type RunningApi } from './build-api.js';
export type { ApiDeps, ListenerStatus, ModelStatus } from './api-deps.js';
export { apiDepsOf, type NodeApiOptions } from './node-api-deps.js';
export { NodeMetrics, type MetricSources } from './node-metrics.js';
export { checkReadiness, probeDatabaseWritable, type Readiness, type ReadinessCheck } from './readiness.js';
export { NotFoundError, StateConflictError, UnauthorizedError, BadRequestError } from './api-errors.js';
export { rejectReasonLabel } from './reject-reason-label.js';
