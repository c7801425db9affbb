import type { ConfigWatcher } from '../config/watch.js';
import type { RunningApi } from '../api/build-api.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { applyDestinationChanges, type DeliveryRoutes } from './wire-delivery.js';
import type { NodeCore } from './node-core.js';

/** A reloaded node.yaml is audited and its destinations take effect at once; listener changes wait for a restart. */
export function followConfigChanges(watcher: ConfigWatcher, { audit, log }: NodeCore, routes: DeliveryRoutes): void {
  watcher.on('change', (next, previous) => {
    audit.configurationChanged();
    applyDestinationChanges(routes, next, log);
    if (JSON.stringify(next.listeners) !== JSON.stringify(previous.listeners)) {
      log.warn('listener changes take effect at the next restart');
    }
  });
}

/** SIGHUP re-reads the certificate files: a renewed certificate is served without a restart. */
export function followCertificateChanges(watcher: ConfigWatcher, api: RunningApi, log: Logger): void {
  watcher.on('change', (next, previous) => {
    const [tls, before] = [next.api.tls, previous.api.tls];
    if (tls?.cert === before?.cert && tls?.key === before?.key && tls?.ca === before?.ca) return;
    try {
      if (tls && api.setTls(tls)) log.info({ stage: 'api', cert: tls.files.cert }, 'API certificate reloaded');
      else log.warn({ stage: 'api' }, 'switching the API between HTTP and HTTPS takes effect at the next restart');
    } catch (err) {
      // A key that does not match its certificate: the one in use stays.
      log.error({ stage: 'api', cert: tls?.files.cert, err: errorMessage(err) }, 'API certificate refused; the previous one is still served');
    }
  });
}
