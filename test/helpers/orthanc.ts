import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/**
 * A real Orthanc (Debian package) on loopback, started from a temp JSON config, as the PACS in
 * end-to-end tests. REST on a free port with basic auth, DICOM on another free port.
 */
export interface OrthancHandle {
  aeTitle: string;
  dicomPort: number;
  httpPort: number;
  dir: string;
  /** REST and DICOMweb basic-auth credentials. */
  user: string;
  password: string;
  /** The DICOMweb service root (with `dicomWeb: true`), e.g. http://127.0.0.1:8042/dicom-web. */
  dicomWebUrl?: string;
  get<T = unknown>(path: string): Promise<T>;
  post<T = unknown>(path: string, body: unknown): Promise<T>;
  /** Raw bytes (e.g. /instances/{id}/file). */
  getBytes(path: string): Promise<Buffer>;
  /** Adds a DICOM modality Orthanc may send to and accept from. */
  addModality(name: string, aeTitle: string, host: string, port: number): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'test';
const PASSWORD = 'test';

/** Orthanc's DICOMweb plugin, from the Debian package orthanc-dicomweb. */
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export async function startOrthanc(
  opts: {
    aeTitle?: string;
    modalities?: Record<string, { AET: string; Host: string; Port: number }>;
    luaScripts?: string[];
    /** Load the DICOMweb plugin (STOW-RS, QIDO-RS, WADO-RS under /dicom-web/, same basic auth as REST). */
    dicomWeb?: boolean;
    /** The HTTP port to listen on (a restarted Orthanc keeps its address); default: a free one. */
    httpPort?: number;
  } = {},
): Promise<OrthancHandle> {
  const aeTitle = opts.aeTitle ?? 'ORTHANC';
  const dir = mkdtempSync(join(tmpdir(), 'orthanc-'));
  const httpPort = opts.httpPort ?? (await freePort());
  let dicomPort = await freePort();
  while (dicomPort === httpPort) dicomPort = await freePort();
  const config = {
    Name: 'TEST-PACS',
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    HttpPort: httpPort,
    HttpBindAddress: '127.0.0.1',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [USER]: PASSWORD },
    DicomServerEnabled: true,
    DicomAet: aeTitle,
    DicomPort: dicomPort,
    DicomCheckCalledAet: true,
    DicomAlwaysAllowEcho: true,
    DicomAlwaysAllowStore: true,
    DicomModalities: opts.modalities ?? {},
    Plugins: opts.dicomWeb ? [DICOMWEB_PLUGIN] : [],
    ...(opts.dicomWeb ? { DicomWeb: { Enable: true, Root: '/dicom-web/' } } : {}),
    StableAge: 1,
    ...(opts.luaScripts ? { LuaScripts: opts.luaScripts } : {}),
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const proc: ChildProcess = spawn('Orthanc', [`--logdir=${dir}`, configPath], { stdio: 'ignore' });
  let exited = false;
  proc.once('exit', () => {
    exited = true;
  });

  const base = `http://127.0.0.1:${httpPort}`;
  const auth = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`Orthanc ${method} ${path} → ${res.status} ${await res.text()}`);
    return res;
  }

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`Orthanc exited during start-up; see ${dir}`);
    try {
      await request('GET', '/system');
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('Orthanc did not answer /system within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    aeTitle,
    dicomPort,
    httpPort,
    dir,
    user: USER,
    password: PASSWORD,
    ...(opts.dicomWeb ? { dicomWebUrl: `${base}/dicom-web` } : {}),
    get: async <T>(path: string) => (await (await request('GET', path)).json()) as T,
    post: async <T>(path: string, body: unknown) => (await (await request('POST', path, body)).json()) as T,
    getBytes: async (path: string) => Buffer.from(await (await request('GET', path)).arrayBuffer()),
    addModality: async (name, ae, host, port) => {
      await request('PUT', `/modalities/${name}`, { AET: ae, Host: host, Port: port });
    },
    stop: async () => {
      if (!exited) {
        proc.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            proc.kill('SIGKILL');
            resolve();
          }, 10_000);
          proc.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
