export * from './lib/documents';
export * from './lib/pki';
export * from './lib/security-kit';
