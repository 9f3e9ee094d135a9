// Rewrites the Python translations in a jsii-rosetta tablet (.jsii.tabl.json): removes the imports rosetta repeats.
// rosetta's Python imports the struct of each object literal it renders as a class (`from aws_cdk import Environment`)
// unless it finds the struct's module imported whole, and a snippet's own `import { Environment } from 'aws-cdk-lib'`
// does not count: the example then starts with `from aws_cdk import Environment, Environment` above the snippet's own
// `from aws_cdk import Environment, Stack`. Python accepts that; a reader copies it. package-check.sh type-checks the
// result (scripts/check-package-examples.mjs). Idempotent: rosetta reuses the tablet as its cache.
//
//   node scripts/fix-python-translations.mjs .jsii.tabl.json
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Each name a `from <module> import ...` line imports only once: the last line that imports it keeps it (the snippet's
 * own imports follow rosetta's), and a line left with no name goes. Lines in parentheses are left as they are.
 */
export function fixPython(source) {
  const lines = source.split('\n');
  const seen = new Set();
  const kept = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^from (\S+) import ([^()]+)$/.exec(lines[i]);
    if (!m) { kept.push(lines[i]); continue; }
    const names = [];
    for (const name of m[2].split(',').map(n => n.trim()).filter(Boolean).reverse()) {
      const key = `${m[1]} ${name}`; // `aws_iam as iam` is one name, apart from `aws_iam`
      if (seen.has(key)) continue;
      seen.add(key);
      names.unshift(name);
    }
    if (names.length) kept.push(`from ${m[1]} import ${names.join(', ')}`);
  }
  return kept.reverse().join('\n');
}

// Run as a script (not imported, as test/python-translations.test.ts does): rewrite the tablet named on the command line.
const tabletFile = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) ? process.argv[2] : undefined;
if (tabletFile) {
  const tablet = JSON.parse(fs.readFileSync(tabletFile, 'utf8'));
  let changed = 0;
  for (const snippet of Object.values(tablet.snippets)) {
    const python = snippet.translations.python;
    if (!python) continue;
    const fixed = fixPython(python.source);
    if (fixed !== python.source) changed++;
    python.source = fixed;
  }
  fs.writeFileSync(tabletFile, JSON.stringify(tablet, null, 2));
  console.log(`fix-python-translations: rewrote ${changed} of ${Object.keys(tablet.snippets).length} Python translations in ${tabletFile}`);
}
