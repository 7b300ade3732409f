export { generateFromIdl } from './generate';
export type { GenerateOptions } from './generate';
export { parseIdl, IdlParseError } from './idl-parser';
export { ToolchainError } from './descriptor-extractor';
export { main } from './cli';
