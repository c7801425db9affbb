export { dashboardAssetDir, dashboardRoutes } from './dashboard-routes.js';
export { eventRoutes, type EventStreamOptions } from './event-routes.js';
export { formatServerSentEvent, readLiveSnapshot, type LiveSnapshot } from './live-snapshot.js';
