#!/usr/bin/env node
/**
 * The root package.json's "dependencies" are exactly what the production bundles need at run
 * time: every package some bundle imports (recorded by bundle-app.js in `dist/<app>/meta.json`),
 * plus the non-optional peer dependencies those packages declare (e.g. @nestjs/core's
 * reflect-metadata and rxjs). Anything else belongs in "devDependencies", so that an image's
 * `npm prune --omit=dev` keeps only what runs. Run after every app is built (tools/check does).
 *
 *   node tools/bundle/check-runtime-deps.js
 */
'use strict';

const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..', '..');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/**
 * Every project whose `build` is the shared Node bundler (nx.json's targetDefaults run
 * bundle-app.js); a project naming its own build command (the dashboard's Vite page, served as
 * static files) ships no Node code and has no runtime dependencies.
 */
function builtApps() {
  const apps = [];
  for (const group of ['apps', 'libs']) {
    for (const dir of readdirSync(join(ROOT, group))) {
      const file = join(ROOT, group, dir, 'project.json');
      const build = existsSync(file) ? readJson(file).targets?.build : undefined;
      if (build && !build.options?.command) apps.push(`${group}/${dir}`);
    }
  }
  return apps;
}

/** The required peers of `name` (installed in the root node_modules), transitively. */
function withPeers(names) {
  const all = new Set(names);
  const queue = [...names];
  while (queue.length) {
    const name = queue.shift();
    const file = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = readJson(file);
    for (const peer of Object.keys(pkg.peerDependencies ?? {})) {
      if (pkg.peerDependenciesMeta?.[peer]?.optional || all.has(peer)) continue;
      all.add(peer);
      queue.push(peer);
    }
  }
  return all;
}

function main() {
  const problems = [];
  const imported = new Set();
  for (const app of builtApps()) {
    const meta = join(ROOT, 'dist', app, 'meta.json');
    if (!existsSync(meta)) {
      problems.push(`${app}: not built (dist/${app}/meta.json missing): run npx nx build ${app}`);
      continue;
    }
    for (const name of readJson(meta).runtimeDependencies) imported.add(name);
  }
  const needed = withPeers(imported);
  const declared = Object.keys(readJson(join(ROOT, 'package.json')).dependencies ?? {});
  for (const name of declared) {
    if (!needed.has(name)) {
      problems.push(
        `"${name}" is a production dependency, but no bundle imports it (nor needs it as a peer): ` +
          'move it to devDependencies, or remove it',
      );
    }
  }
  for (const name of [...needed].sort()) {
    if (!declared.includes(name)) {
      problems.push(`"${name}" is needed at run time but not in "dependencies"`);
    }
  }
  if (problems.length) {
    for (const p of problems) process.stderr.write(`check-runtime-deps: ${p}\n`);
    process.exit(1);
  }
  process.stdout.write(`runtime dependencies ok: ${declared.sort().join(', ')}\n`);
}

main();
