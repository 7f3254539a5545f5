// `jest --outputFile=reports/jest.json` does not create the directory, and the root test script
// deletes every package's reports/ before a run, so make sure it exists.
require('node:fs').mkdirSync(require('node:path').join(__dirname, 'reports'), { recursive: true });

module.exports = require('../../jest.preset.js')(__dirname);
