import { BUILTIN_WINDOWS, COMPUTED_WINDOWS } from './builtin-windows.js';
import { configFiles } from './config-files.js';
import { isHostPattern } from './host-pattern.js';
import { resolveAlerts } from './resolve-alerts.js';
import { checkRetention } from './resolve-retention.js';
import { checkOidc } from './check-oidc.js';
import { resolveAudit } from './resolve-audit.js';
import { resolveStow } from './resolve-stow.js';
import type { ConfigIssue } from './config-issue.js';
import { destinationKindConfigs } from './destination-kind.js';
import type { NodeFile, TlsFiles } from './node-schema.js';
import type { NodeConfig, ResolvedDestination, TlsMaterial, WindowDefinition } from './types.js';
import type { YamlSource } from './yaml-source.js';

export type ReadText = (absolutePath: string) => string;

type NodePart = Omit<NodeConfig, 'rules' | 'files'>;

export { isHostPattern };

/**
 * Checks what the schema cannot (unique names, host patterns, preset/model references) and turns
 * the validated node.yaml into its resolved form: paths absolute against the file's folder, TLS
 * files read into PEM strings, built-in windows merged.
 */
export function resolveNodeFile(file: NodeFile, source: YamlSource, readText: ReadText): { config: NodePart; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const cf = configFiles(source, readText, issues);
  const abs = cf.abs;

  const readTls = (tls: TlsFiles, at: Array<string | number>): TlsMaterial | undefined => {
    const files = { cert: abs(tls.cert), key: abs(tls.key), ...(tls.ca ? { ca: abs(tls.ca) } : {}) };
    const cert = cf.readPem(tls.cert, [...at, 'cert']);
    const key = cf.readPem(tls.key, [...at, 'key']);
    const ca = tls.ca ? cf.readPem(tls.ca, [...at, 'ca']) : undefined;
    if (tls.requireClientCert && !tls.ca) issues.push(source.issue(at, 'requireClientCert needs a `ca` to verify client certificates'));
    if (cert === undefined || key === undefined || (files.ca && ca === undefined)) return undefined;
    return { cert, key, ...(ca !== undefined ? { ca } : {}), requireClientCert: tls.requireClientCert, files };
  };

  const seenNames = new Map<string, number>();
  const seenEndpoints = new Map<string, number>();
  const listeners = file.listeners.map((l, i) => {
    const at = ['listeners', i];
    if (seenNames.has(l.name)) issues.push(source.issue([...at, 'name'], `duplicate listener name '${l.name}' (also listeners[${seenNames.get(l.name)}])`));
    else seenNames.set(l.name, i);
    const endpoint = `${l.host}:${l.port}`;
    if (l.port !== 0 && seenEndpoints.has(endpoint)) issues.push(source.issue([...at, 'port'], `${endpoint} is already used by listeners[${seenEndpoints.get(endpoint)}]`));
    else seenEndpoints.set(endpoint, i);
    l.allow.forEach((a, j) =>
      a.hosts?.forEach((h, k) => {
        if (!isHostPattern(h)) issues.push(source.issue([...at, 'allow', j, 'hosts', k], `'${h}' is not an IP address or CIDR block`));
      }),
    );
    const { tls, ...rest } = l;
    const material = tls ? readTls(tls, [...at, 'tls']) : undefined;
    return { ...rest, ...(material ? { tls: material } : {}) };
  });

  /** A secret from the YAML, or the first line of its file. */
  const readSecret = (value: string | { file: string }, at: Array<string | number>): string => {
    if (typeof value === 'string') return value;
    const text = cf.read(value.file, [...at, 'file'])?.split(/\r?\n/)[0]?.trim();
    if (text === '') issues.push(source.issue([...at, 'file'], 'the file is empty'));
    return text ?? '';
  };
  const kinds = new Map(destinationKindConfigs().map((k) => [k.kind, k]));
  const destinations: Record<string, ResolvedDestination> = {};
  for (const [name, d] of Object.entries(file.destinations)) {
    const at = ['destinations', name];
    if (d.backoff.initialSeconds > d.backoff.maxSeconds) issues.push(source.issue([...at, 'backoff'], 'initialSeconds must not exceed maxSeconds'));
    // The schema admits only registered kinds.
    const kind = kinds.get(d.kind)!;
    destinations[name] = kind.resolve(d, {
      ...cf,
      name,
      at,
      nodeAeTitle: file.node.aeTitle,
      readSecret,
      readTls,
      issue: (where, message) => issues.push(source.issue(where, message)),
    });
  }

  const windows: Record<string, WindowDefinition> = { ...BUILTIN_WINDOWS };
  for (const [name, w] of Object.entries(file.windows)) {
    if (COMPUTED_WINDOWS.includes(name)) {
      issues.push(source.issue(['windows', name], `'${name}' is a built-in window computed from the image and cannot be redefined`, { key: true }));
      continue;
    }
    windows[name] = { source: 'preset', center: w.center, width: w.width, voiLutFunction: w.voiLutFunction };
  }

  const models: NodePart['models'] = {};
  for (const [id, m] of Object.entries(file.models)) models[id] = { ...m, id, manifest: abs(m.manifest) };

  const presets: NodePart['presets'] = {};
  for (const [name, p] of Object.entries(file.presets)) {
    const at = ['presets', name];
    if (name === 'none') issues.push(source.issue(at, "'none' means no enhancement and cannot name a preset", { key: true }));
    if (!(p.model in models)) issues.push(source.issue([...at, 'model'], `unknown model '${p.model}' (models: ${Object.keys(models).join(', ') || 'none defined'})`));
    if (p.stride > p.patchSize) issues.push(source.issue([...at, 'stride'], `stride ${p.stride} is larger than patchSize ${p.patchSize}: patches would leave gaps`));
    presets[name] = { ...p, name };
  }

  const { tls: apiTls, ...apiRest } = file.api;
  if (apiTls?.requireClientCert) {
    issues.push(source.issue(['api', 'tls', 'requireClientCert'], 'client certificates for the API are not supported: require them at a reverse proxy (deploy/reverse-proxy)'));
  }
  const apiTlsMaterial = apiTls ? readTls(apiTls, ['api', 'tls']) : undefined;
  if (apiRest.auth && apiRest.token !== undefined) {
    issues.push(source.issue(['api', 'token'], 'with api.auth (named users) the shared token is not accepted: remove it and give scripts a user token (`tokens create`)'));
  }
  const { auth: apiAuth, ...apiPlain } = apiRest;
  const oidc = apiAuth?.oidc;
  const resolvedAuth = apiAuth && {
    ...apiAuth,
    oidc: oidc && { ...oidc, clientSecret: readSecret(oidc.clientSecret, ['api', 'auth', 'oidc', 'clientSecret']) },
  };
  if (oidc) issues.push(...checkOidc(oidc, source));

  const { redis, ...executor } = file.executor;
  const readExecutorFile = (p: string, at: string[]) => cf.read(p, ['executor', 'redis', ...at]);
  if (redis.password !== undefined && redis.passwordFile !== undefined) {
    issues.push(source.issue(['executor', 'redis'], 'give either password or passwordFile, not both'));
  }
  const password = redis.passwordFile !== undefined ? readExecutorFile(redis.passwordFile, ['passwordFile'])?.split(/\r?\n/)[0] : redis.password;
  const ca = redis.tls?.ca !== undefined ? readExecutorFile(redis.tls.ca, ['tls', 'ca']) : undefined;
  const alerts = resolveAlerts(file.alerts, source, readText);
  issues.push(...alerts.issues);
  issues.push(...checkRetention(file, source));
  const stow = resolveStow(file, source, readText);
  issues.push(...stow.issues);
  const audit = resolveAudit(file.audit, source, readText);
  issues.push(...audit.issues);

  const config: NodePart = {
    node: {
      ...file.node,
      dataDir: abs(file.node.dataDir),
      ...(file.node.contributionRecord !== undefined ? { contributionRecord: abs(file.node.contributionRecord) } : {}),
    },
    listeners,
    destinations,
    windows,
    models,
    presets,
    api: { ...apiPlain, ...(resolvedAuth ? { auth: resolvedAuth } : {}), ...(apiTlsMaterial ? { tls: apiTlsMaterial } : {}) },
    limits: file.limits,
    executor: {
      ...executor,
      redis: {
        url: redis.url,
        ...(password ? { password } : {}),
        ...(redis.tls ? { tls: { rejectUnauthorized: redis.tls.rejectUnauthorized, ...(ca !== undefined ? { ca } : {}) } } : {}),
      },
    },
    alerts: alerts.alerts,
    retention: file.retention,
    ...(stow.stow ? { stow: stow.stow } : {}),
    ...(audit.audit.syslog ? { audit: audit.audit } : {}),
  };
  return { config, issues };
}
