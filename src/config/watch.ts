import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, errorMessage } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { loadConfig, resolveConfigPaths, type ConfigPaths, type LoadedConfig } from './load.js';

export type ReloadTrigger = 'sighup' | 'file-change' | 'api' | 'manual';

export type ReloadResult =
  | { ok: true; changed: boolean; config: LoadedConfig }
  | { ok: false; error: ConfigError; config: LoadedConfig };

export interface ConfigWatcherEvents {
  /** A new valid config replaced the old one. */
  change: [next: LoadedConfig, previous: LoadedConfig, trigger: ReloadTrigger];
  /** A reload was refused; the running config stays. Emitted only when someone listens. */
  error: [error: ConfigError, trigger: ReloadTrigger];
}

export interface ConfigWatcherOptions {
  logger?: Logger;
  /** Quiet time after the last file event before reloading (editors write in several steps). */
  debounceMs?: number;
  /** Loader, replaceable in tests; default loadConfig. */
  load?: (paths: ConfigPaths) => LoadedConfig;
}

/**
 * Holds the running configuration and replaces it on SIGHUP (the app calls `reload('sighup')`
 * from its handler) or when node.yaml / rules.yaml change on disk. A new config is validated in
 * full first and swapped in one assignment; an invalid one is refused with an `error` event and a
 * log line naming file and line, and the old config stays.
 */
export class ConfigWatcher extends EventEmitter<ConfigWatcherEvents> {
  private config: LoadedConfig;
  private readonly paths: ConfigPaths;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private readonly load: (paths: ConfigPaths) => LoadedConfig;
  private watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** Loads the config once; throws ConfigError when the files are invalid (the node must not start). */
  constructor(source: string | ConfigPaths, options: ConfigWatcherOptions = {}) {
    super();
    this.paths = resolveConfigPaths(source);
    this.logger = options.logger ?? silentLogger;
    this.debounceMs = options.debounceMs ?? 300;
    this.load = options.load ?? ((p) => loadConfig(p));
    this.config = this.load(this.paths);
  }

  /** The config in force. Read it per use (do not cache it), so a reload reaches every reader. */
  get current(): LoadedConfig {
    return this.config;
  }

  /** Validates the files now and swaps them in when valid; never throws. */
  reload(trigger: ReloadTrigger = 'manual'): ReloadResult {
    let next: LoadedConfig;
    try {
      next = this.load(this.paths);
    } catch (err) {
      const error = err instanceof ConfigError ? err : new ConfigError(`config reload failed: ${errorMessage(err)}`, { cause: err });
      this.logger.error({ trigger, err: error.message }, 'config reload refused; the running config stays');
      if (this.listenerCount('error') > 0) this.emit('error', error, trigger);
      return { ok: false, error, config: this.config };
    }
    const previous = this.config;
    if (JSON.stringify(next) === JSON.stringify(previous)) {
      this.logger.debug({ trigger }, 'config reloaded, unchanged');
      return { ok: true, changed: false, config: previous };
    }
    this.config = next;
    this.logger.info({ trigger, rules: next.rules.length, listeners: next.listeners.length }, 'config reloaded');
    this.emit('change', next, previous, trigger);
    return { ok: true, changed: true, config: next };
  }

  /**
   * Starts watching the folders of the two files (editors often replace a file by rename, which
   * a watch on the file itself would miss) and reloads after `debounceMs` of quiet.
   */
  watch(): this {
    if (this.watchers.length > 0) return this;
    const byDir = new Map<string, Set<string>>();
    for (const f of [this.paths.node, this.paths.rules]) {
      const dir = path.dirname(path.resolve(f));
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir)!.add(path.basename(f));
    }
    for (const [dir, names] of byDir) {
      const w = fs.watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || names.has(filename.toString())) this.schedule();
      });
      w.on('error', (err) => this.logger.warn({ dir, err: errorMessage(err) }, 'config watch failed; reload with SIGHUP'));
      this.watchers.push(w);
    }
    return this;
  }

  /** Stops watching; pending debounced reloads are dropped. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reload('file-change');
    }, this.debounceMs);
    this.timer.unref();
  }
}
