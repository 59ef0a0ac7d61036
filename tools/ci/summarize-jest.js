// Prints jest's outcome as one plain closing line ("tests: N passed, N failed") that any CI
// reader understands, and exits non-zero when jest did not run every test green.
const { readFileSync } = require('node:fs');

const file = process.argv[2];
const results = JSON.parse(readFileSync(file, 'utf8'));
const skipped = results.numPendingTests + results.numTodoTests;
const failedSuites = results.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0);
for (const suite of failedSuites) console.log(`suite failed to run: ${suite.name}\n${suite.message}`);
console.log(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(results.success && results.numTotalTests > 0 ? 0 : 1);
