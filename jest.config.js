// Tests are compiled by `tsc` (npm's pretest) and run as plain CommonJS from dist/,
// so jest needs no transform and the code under test is exactly what ships.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
};
