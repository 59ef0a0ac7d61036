// stream-json 2 publishes its modules through package "exports"; the workspace resolves types
// the classic way (moduleResolution "node"), so the subpath is mapped to its declaration here.
declare module 'stream-json/utils/with-parser.js' {
  import withParser = require('stream-json/src/utils/with-parser');
  export = withParser;
}
