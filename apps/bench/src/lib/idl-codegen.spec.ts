import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdlTypes } from './idl-codegen';

describe('generateIdlTypes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bench-idl-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the module for an IDL file and returns its path', () => {
    const idl = join(dir, 'probe.idl');
    writeFileSync(idl, 'module bench { struct Probe { long seq; string text; }; };\n');
    const out = generateIdlTypes(idl, join(dir, 'gen'), true);
    expect(out).toBe(join(dir, 'gen', 'probe.ts'));
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toContain('Probe');
  });

  it('throws when the IDL does not parse', () => {
    const idl = join(dir, 'broken.idl');
    writeFileSync(idl, 'module bench { struct {\n');
    expect(() => generateIdlTypes(idl, join(dir, 'gen'), true)).toThrow();
  });
});
