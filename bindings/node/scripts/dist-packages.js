#!/usr/bin/env node
'use strict';
// Lays out and packs the npm packages a release publishes, the way napi-rs
// projects do (`napi create-npm-dirs` + `napi prepublish`):
//
//   outbox-<v>.tgz                  JavaScript and types, no install script;
//                                   each platform package is an optional dependency
//   outbox-<platform>-<v>.tgz       one prebuilt addon, with os/cpu/libc fields
//
//   node scripts/dist-packages.js --stage DIR --out DIR linux-x64-gnu=PATH.node ...
//
// Every platform of package.json's napi.targets needs an addon. The main
// package is this directory's `files` with a package.json that has no
// scripts and no devDependencies: the install script that builds from source
// is for checkouts only.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkgDir = path.join(__dirname, '..');
const repoRoot = path.join(pkgDir, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));

// napi-rs's platform name and package.json fields for a Rust target triple.
function platformOf(triple) {
  const [arch, , os, abi] = triple.split('-');
  const cpu = { x86_64: 'x64', aarch64: 'arm64' }[arch];
  const libc = { gnu: 'glibc', musl: 'musl' }[abi];
  if (!cpu || os !== 'linux' || !libc) throw new Error(`no npm platform for target ${triple}`);
  return { name: `${os}-${cpu}-${abi}`, triple, os, cpu, libc };
}

function parseArgs(argv) {
  const args = { addons: new Map() };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--stage' || argv[i] === '--out') args[argv[i].slice(2)] = path.resolve(argv[++i]);
    else {
      const [platform, file] = argv[i].split('=');
      args.addons.set(platform, path.resolve(file));
    }
  }
  if (!args.stage || !args.out) throw new Error('usage: dist-packages.js --stage DIR --out DIR <platform>=<addon.node>...');
  return args;
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function copyDocs(dir, readme) {
  fs.copyFileSync(path.join(repoRoot, 'LICENSE'), path.join(dir, 'LICENSE'));
  fs.writeFileSync(path.join(dir, 'README.md'), readme);
}

function stageMain(dir, platforms) {
  for (const entry of pkg.files) fs.cpSync(path.join(pkgDir, entry), path.join(dir, entry), { recursive: true });
  copyDocs(dir, fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8'));
  const published = { ...pkg };
  delete published.scripts;
  delete published.devDependencies;
  published.optionalDependencies = Object.fromEntries(platforms.map((p) => [`${pkg.name}-${p.name}`, pkg.version]));
  writeJson(path.join(dir, 'package.json'), published);
}

function stagePlatform(dir, platform, addon) {
  const binary = `${pkg.napi.binaryName}.${platform.name}.node`;
  fs.copyFileSync(addon, path.join(dir, binary));
  copyDocs(dir, `# ${pkg.name}-${platform.name}\n\nThe \`${platform.triple}\` build of the native addon of [\`${pkg.name}\`](https://www.npmjs.com/package/${pkg.name}). Install \`${pkg.name}\`, not this package: it picks the package for your platform.\n`);
  writeJson(path.join(dir, 'package.json'), {
    name: `${pkg.name}-${platform.name}`,
    version: pkg.version,
    description: `The ${platform.triple} native addon of ${pkg.name}.`,
    license: pkg.license,
    homepage: pkg.homepage,
    repository: pkg.repository,
    bugs: pkg.bugs,
    os: [platform.os],
    cpu: [platform.cpu],
    libc: [platform.libc],
    main: binary,
    files: [binary],
    engines: pkg.engines,
  });
}

function pack(dir, out) {
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }).trim();
  console.error(`outbox: ${path.join(out, name)}`);
}

function main() {
  const { stage, out, addons } = parseArgs(process.argv.slice(2));
  const platforms = pkg.napi.targets.map(platformOf);
  for (const p of platforms) if (!addons.has(p.name)) throw new Error(`no addon given for ${p.name} (${p.triple})`);

  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const mainDir = path.join(stage, pkg.name);
  fs.mkdirSync(mainDir, { recursive: true });
  stageMain(mainDir, platforms);
  pack(mainDir, out);
  for (const p of platforms) {
    const dir = path.join(stage, `${pkg.name}-${p.name}`);
    fs.mkdirSync(dir, { recursive: true });
    stagePlatform(dir, p, addons.get(p.name));
    pack(dir, out);
  }
}

main();
