// node tools/bench/summarize-profile.js <file.cpuprofile> [top]: self time by package and by function.
const { readFileSync } = require('node:fs');
const { pkgOf } = require('./profile-package');
const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const groups = { pkg: new Map(), fn: new Map() };
for (const [id, t] of self) {
  const { callFrame: f } = byId.get(id);
  const pkg = f.functionName === '(garbage collector)' ? '(gc)' : f.functionName === '(idle)' || f.functionName === '(program)' ? f.functionName : pkgOf(f.url);
  groups.pkg.set(pkg, (groups.pkg.get(pkg) ?? 0) + t);
  const fn = `${f.functionName || '(anon)'} ${pkgOf(f.url)}:${f.lineNumber + 1}`;
  groups.fn.set(fn, (groups.fn.get(fn) ?? 0) + t);
}
const busy = total - (groups.pkg.get('(idle)') ?? 0);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`);
for (const [name, map] of Object.entries(groups)) {
  console.log(`-- self time by ${name}`);
  [...map]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, t]) => console.log(`${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}`));
}
