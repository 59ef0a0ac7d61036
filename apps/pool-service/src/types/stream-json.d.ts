// stream-json 2 publishes its modules through package "exports"; the workspace resolves types
// the classic way (moduleResolution "node"), so the subpath is mapped to its declaration here.
declare module 'stream-json/utils/with-parser.js' {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- `export =` modules are imported this way in a declaration
  import withParser = require('stream-json/src/utils/with-parser');
  export = withParser;
}
