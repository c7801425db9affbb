import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { REPO } from '../e2e/node-harness.js';

/**
 * The OHIF Viewer's built app (npm package @ohif/app, its dist/), unpacked by
 * scripts/setup-test-peers.sh; OHIF_DIST points elsewhere.
 */
export const OHIF_DIST = process.env.OHIF_DIST ?? join(REPO, '.tools/ohif-viewer/dist');

export interface OhifViewer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Requests the viewer made to the DICOMweb proxy, with their status, in order. */
  dicomWebRequests: Array<{ path: string; status: number }>;
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.xml': 'application/xml',
};

/**
 * window.config for one DICOMweb data source at `/dicom-web` on the viewer's own origin (the
 * server proxies it to the PACS with its credentials, so the page needs neither CORS nor auth).
 */
export function ohifAppConfig(): string {
  const config = {
    routerBasename: '/',
    extensions: [],
    modes: [],
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: false,
    showLoadingIndicator: true,
    maxNumberOfWebWorkers: 2,
    investigationalUseDialog: { option: 'never' },
    // No onboarding tour: its overlay dims every viewport but the one it points at.
    customizationService: { 'ohif.tours': { $set: [] } },
    defaultDataSourceName: 'pacs',
    dataSources: [
      {
        namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
        sourceName: 'pacs',
        configuration: {
          friendlyName: 'Orthanc DICOMweb',
          name: 'orthanc',
          wadoUriRoot: '/dicom-web',
          qidoRoot: '/dicom-web',
          wadoRoot: '/dicom-web',
          qidoSupportsIncludeField: false,
          imageRendering: 'wadors',
          thumbnailRendering: 'wadors',
          enableStudyLazyLoad: true,
          omitQuotationForMultipartRequest: true,
          bulkDataURI: { enabled: true },
        },
      },
    ],
  };
  return `window.config = ${JSON.stringify(config, null, 2)};\n`;
}

/**
 * Serves OHIF's built app on loopback and a free port: static files from `dist` (any other path
 * gets index.html, as OHIF routes in the page), a generated /app-config.js, and /dicom-web/…
 * forwarded to `dicomWebUrl` with basic auth.
 */
export async function startOhifViewer(opts: { dicomWebUrl: string; user: string; password: string; dist?: string }): Promise<OhifViewer> {
  const dist = resolve(opts.dist ?? OHIF_DIST);
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error(`${dist}/index.html is missing: run scripts/setup-test-peers.sh (it unpacks the npm package @ohif/app)`);
  }
  const auth = 'Basic ' + Buffer.from(`${opts.user}:${opts.password}`).toString('base64');
  const dicomWebRequests: OhifViewer['dicomWebRequests'] = [];

  async function proxy(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const upstream = await fetch(opts.dicomWebUrl + url.slice('/dicom-web'.length), {
      method: req.method,
      headers: { authorization: auth, ...(req.headers.accept ? { accept: req.headers.accept } : {}) },
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    dicomWebRequests.push({ path: url, status: upstream.status });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
    res.end(body);
  }

  function serveFile(res: ServerResponse, path: string): void {
    const file = normalize(join(dist, path));
    if (file.startsWith(dist + sep) && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
    } else if (extname(path) === '') {
      // A route of the single-page app (/viewer, /): the page itself.
      res.writeHead(200, { 'content-type': CONTENT_TYPES['.html']! });
      createReadStream(join(dist, 'index.html')).pipe(res);
    } else {
      res.writeHead(404).end();
    }
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = decodeURIComponent(new URL(url, 'http://viewer').pathname);
    if (path === '/app-config.js') {
      res.writeHead(200, { 'content-type': CONTENT_TYPES['.js']! });
      res.end(ohifAppConfig());
    } else if (path.startsWith('/dicom-web/')) {
      proxy(req, res, url).catch((e: unknown) => res.writeHead(502).end(String(e)));
    } else {
      serveFile(res, path);
    }
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dicomWebRequests,
    stop: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}
