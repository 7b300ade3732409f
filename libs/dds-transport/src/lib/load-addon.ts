import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NativeAddon } from './native';

/** Environment variable naming an explicit path to `dds_transport.node`. */
export const ADDON_PATH_ENV = 'DDS_TRANSPORT_ADDON';

/**
 * Where the addon may live, best first: an explicit path, the env var, then
 * `build/Release/dds_transport.node` relative to the package root (two levels above this file in
 * both the source tree `src/lib/` and a packed `dist/lib/`), then beside this code when it is
 * bundled into an app (`dist/apps/<app>/main.js` with the addon copied next to it).
 */
export function addonCandidates(explicitPath?: string): string[] {
  const list: string[] = [];
  if (explicitPath) list.push(resolve(explicitPath));
  const fromEnv = process.env[ADDON_PATH_ENV];
  if (fromEnv) list.push(resolve(fromEnv));
  list.push(join(__dirname, '..', '..', 'build', 'Release', 'dds_transport.node'));
  list.push(join(__dirname, '..', 'build', 'Release', 'dds_transport.node'));
  list.push(join(__dirname, 'dds_transport.node'));
  return list;
}

let cached: NativeAddon | undefined;

/**
 * Loads the native addon (once per thread: Node keeps one module instance per environment).
 * The only place that requires the `.node` file.
 * @throws Error naming every place searched and how to build the addon.
 */
export function loadAddon(explicitPath?: string): NativeAddon {
  if (cached && !explicitPath) return cached;
  const candidates = addonCandidates(explicitPath);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `dds_transport.node not found (looked in ${candidates.join(', ')}); ` +
        'build it with `npx nx run dds-transport:build-native` or set ' +
        ADDON_PATH_ENV,
    );
  }
  const addon = require(found) as NativeAddon;
  if (!explicitPath) cached = addon;
  return addon;
}
