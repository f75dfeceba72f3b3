/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
  // Synth-heavy construct tests and database integration tests: give them room on a 2-core box.
  testTimeout: 180000,
  // One test file at a time: with two workers, restores through the runner's zstd download path
  // failed intermittently ("zstd -d … unexpected end of file", drill and mongodump tests) while
  // passing every time alone; until that interaction is found, the suite runs serially.
  maxWorkers: 1,
};
