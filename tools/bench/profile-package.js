// Where a profile's frame comes from, for tools/bench/summarize-*profile.js: the npm package, the
// Node built-in, our app or lib (apps/<name>, libs/<name>), or V8 itself.
module.exports.pkgOf = (url) => {
  if (!url) return '(native/v8)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return url.split('/')[0];
  const a = /\/(apps|libs)\/([^/]+)/.exec(url);
  return a ? `${a[1]}/${a[2]}` : url;
};
