export * from './lib/netns.rig';
export * from './lib/cyclone-host.config';
export * from './lib/multihost.fleet';
