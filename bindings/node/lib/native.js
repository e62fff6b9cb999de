'use strict';
// Finds the native addon, in the order napi-rs packages use:
//   1. OUTBOX_NATIVE_PATH, if set;
//   2. a local build next to index.js (`outbox.<platform>.node`, what
//      scripts/build.js and `napi build --platform` write in a checkout);
//   3. the prebuilt platform package (`outbox-<platform>`), which npm
//      installs from `optionalDependencies` on the matching os/cpu/libc;
// and otherwise says what is missing for this platform and how to build it.

const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function isMusl() {
  try {
    return !process.report.getReport().header.glibcVersionRuntime;
  } catch {
    return false;
  }
}

// napi-rs's platform names: linux-x64-gnu, linux-arm64-musl, darwin-arm64, ...
function platformName() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

// The Rust target triples of package.json's napi.targets, as platform names.
function prebuiltPlatforms(pkg) {
  const arch = { x86_64: 'x64', aarch64: 'arm64' };
  return ((pkg.napi && pkg.napi.targets) || []).map((triple) => {
    const [cpu, , os, abi] = triple.split('-');
    return `${os}-${arch[cpu] || cpu}-${abi}`;
  });
}

function platformDescription() {
  const libc = process.platform === 'linux' ? (isMusl() ? 'musl' : 'glibc') : 'n/a';
  return `os ${process.platform}, cpu ${process.arch}, libc ${libc}`;
}

function load() {
  const platform = platformName();
  const localFiles = [process.env.OUTBOX_NATIVE_PATH, join(root, `outbox.${platform}.node`), join(root, 'outbox.node')].filter(Boolean);
  const local = localFiles.find((p) => existsSync(p));
  if (local !== undefined) return require(local);

  if (!existsSync(join(root, 'package.json'))) {
    // No package around this file: a bundler copied it out of node_modules.
    throw new Error(
      `outbox: the native addon cannot be found from ${__dirname}, where a bundler put this package. ` +
        "A native addon must stay outside the bundle: in Next.js, set serverExternalPackages: ['outbox'] in next.config.js; " +
        'with webpack, externals; with esbuild, --external:outbox.',
    );
  }
  const pkg = require(join(root, 'package.json'));

  const platformPackage = `outbox-${platform}`;
  try {
    return require(platformPackage);
  } catch (err) {
    // A package that is there but fails to load (an old glibc, say) explains itself.
    if (err.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes(platformPackage)) throw err;
  }

  const prebuilt = prebuiltPlatforms(pkg);
  const fix = prebuilt.includes(platform)
    ? `Install it: \`npm install ${platformPackage}@${pkg.version}\` (npm leaves it out with --omit=optional, ` +
      'or when the lockfile was made on another platform).'
    : `There is no prebuilt addon for this platform (prebuilt: ${prebuilt.join(', ') || 'none'}).`;
  throw new Error(
    `outbox: no native addon for this platform (${platformDescription()}): ` +
      `the package ${platformPackage} is not installed and no local build exists (looked for ${localFiles.join(', ')}). ` +
      `${fix} Or build it from source (needs Rust and cargo): in a checkout of the Outbox repository run ` +
      '`npm run build` in bindings/node, then point OUTBOX_NATIVE_PATH at the outbox.*.node it writes.',
  );
}

module.exports = load();
