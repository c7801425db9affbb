import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts); integration and end-to-end tests with real
// peers (DCMTK, Orthanc, dciodvfy, chromium) live under test/. Integration tests spawn servers on
// 127.0.0.1 and free ports, so they run in forked processes with generous timeouts.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
