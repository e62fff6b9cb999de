'use strict';
// Loads the native addon built from source (scripts/build.js, or
// `napi build --platform`), named like napi-rs names its binaries.

const { existsSync } = require('node:fs');
const { join } = require('node:path');

function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    let musl = false;
    try {
      musl = !process.report.getReport().header.glibcVersionRuntime;
    } catch {}
    return `linux-${arch}-${musl ? 'musl' : 'gnu'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

const root = join(__dirname, '..');
const candidates = [
  process.env.OUTBOX_NATIVE_PATH,
  join(root, `outbox.${platformTriple()}.node`),
  join(root, 'outbox.node'),
].filter(Boolean);

const found = candidates.find((p) => existsSync(p));
if (found === undefined && !existsSync(join(root, 'package.json'))) {
  // No package around this file: a bundler copied it out of node_modules.
  throw new Error(
    `outbox: the native addon cannot be found from ${__dirname}, where a bundler put this package. ` +
      "A native addon must stay outside the bundle: in Next.js, set serverExternalPackages: ['outbox'] in next.config.js; " +
      "with webpack, externals; with esbuild, --external:outbox.",
  );
}
if (found === undefined) {
  throw new Error(
    `outbox: the native addon is not built (looked for ${candidates.join(', ')}). ` +
      'Build it from source with `npm run build` in the package directory (needs Rust and cargo), ' +
      'or reinstall the package: `npm install ./bindings/node` builds it.',
  );
}
module.exports = require(found);
