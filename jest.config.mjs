// ESM Jest: NestJS 12 is ESM-only, so tests run with --experimental-vm-modules (see package.json).
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
  // Lets CommonJS packages built for Nest (@nestjs/throttler) load: see test/support/jest/.
  resolver: '<rootDir>/test/support/jest/resolver.mjs',
  setupFiles: ['<rootDir>/test/support/jest/nest-esm-bridge.ts'],
};

export default {
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
  // ESM test files' modules stay in a worker's memory: a worker past this between two files is
  // replaced, rather than running out of heap halfway through the suite.
  workerIdleMemoryLimit: '1GB',
  // A global option (ignored inside projects); e2e hooks start whole apps.
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'medium',
      rootDir: '.',
      testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
