/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // A user's app that test/package/packed-library.test.ts installs and tests outside the repository.
  testPathIgnorePatterns: ['/node_modules/', '/test/package/user-app/'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
  // Synth-heavy construct tests and database integration tests: give them room on a 2-core box.
  testTimeout: 180000,
  // One test file at a time: the database integration suites each start their own servers and
  // would compete for the 2 cores.
  maxWorkers: 1,
};
