// node tools/bench/summarize-heap-profile.js <file.heapprofile> [top]: sampled allocation by package and by function
// (self: allocated in the function itself; with callers: by the first function of ours up the stack).
const { readFileSync } = require('node:fs');
const { pkgOf } = require('./profile-package');
const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const { head } = JSON.parse(readFileSync(file, 'utf8'));
const ours = (url) => /\/(apps|libs)\//.test(url ?? '') && !/node_modules/.test(url);
const groups = { pkg: new Map(), fn: new Map(), 'our caller': new Map() };
const add = (map, k, v) => map.set(k, (map.get(k) ?? 0) + v);
let total = 0;
const walk = (node, ourFrame) => {
  const f = node.callFrame;
  const here = `${f.functionName || '(anon)'} ${pkgOf(f.url)}:${f.lineNumber + 1}`;
  const frame = ours(f.url) ? here : ourFrame;
  if (node.selfSize) {
    total += node.selfSize;
    add(groups.pkg, pkgOf(f.url), node.selfSize);
    add(groups.fn, here, node.selfSize);
    add(groups['our caller'], frame ?? '(none of ours)', node.selfSize);
  }
  for (const c of node.children) walk(c, frame);
};
walk(head, undefined);
console.log(`${file}: ${(total / 2 ** 20).toFixed(1)} MiB sampled`);
for (const [name, map] of Object.entries(groups)) {
  console.log(`-- allocated by ${name}`);
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, t]) => console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`));
}
