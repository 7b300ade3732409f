import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './cli';
import { ToolchainError } from './descriptor-extractor';
import { generateFromIdl } from './generate';

let dir: string;
let stderr: jest.SpyInstance;
let stdout: jest.SpyInstance;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dds-idl-cli-'));
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  stderr.mockRestore();
  stdout.mockRestore();
  rmSync(dir, { recursive: true, force: true });
});

const written = (spy: jest.SpyInstance): string => spy.mock.calls.map((c) => String(c[0])).join('');

describe('dds-idl gen', () => {
  it('writes <out>/<basename>.ts with an interface, a TypeSupport and the idlc descriptor', () => {
    writeFileSync(
      join(dir, 'point.idl'),
      'module geo { struct Point { @key long id; double x; }; };\n',
    );
    expect(main(['gen', join(dir, 'point.idl'), '-o', join(dir, 'out')])).toBe(0);
    const ts = readFileSync(join(dir, 'out', 'point.ts'), 'utf8');
    expect(ts).toContain('export interface Point {');
    expect(ts).toContain('export const PointType: TypeSupport<Point>');
    expect(ts).toContain('typeName: "geo::Point"');
    expect(ts).toContain('import { CdrReader');
    expect(ts).toContain('from "@dds/transport"');
    expect(written(stdout)).toBe(`dds-idl: wrote ${join(dir, 'out', 'point.ts')}\n`);
  });

  it('imports the runtime from --runtime', () => {
    writeFileSync(join(dir, 'p.idl'), 'struct P { long x; };\n');
    expect(main(['gen', join(dir, 'p.idl'), '-o', dir, '--runtime', '../runtime'])).toBe(0);
    expect(readFileSync(join(dir, 'p.ts'), 'utf8')).toContain('from "../runtime"');
  });

  it('fails with status 1 and a located message on IDL it does not support', () => {
    writeFileSync(join(dir, 'bad.idl'), 'struct S {\n  any a;\n};\n');
    expect(main(['gen', join(dir, 'bad.idl'), '-o', dir])).toBe(1);
    expect(written(stderr)).toBe(
      `dds-idl: ${join(dir, 'bad.idl')}:2:3: type 'any' is not supported\n`,
    );
    expect(existsSync(join(dir, 'bad.ts'))).toBe(false);
  });

  it("reports what idlc itself rejects, with idlc's output", () => {
    // Our parser accepts a sequence key; Cyclone's idlc does not.
    writeFileSync(join(dir, 'k.idl'), 'struct K { @key sequence<long> s; };\n');
    expect(main(['gen', join(dir, 'k.idl'), '-o', dir])).toBe(1);
    expect(written(stderr)).toMatch(/^dds-idl: idlc failed\n.+/);
  });

  it('needs an output directory and a file', () => {
    expect(main(['gen', join(dir, 'x.idl')])).toBe(1);
    expect(written(stderr)).toContain("required option '-o, --out <dir>' not specified");
    expect(main(['gen', join(dir, 'missing.idl'), '-o', dir])).toBe(1);
    expect(written(stderr)).toContain('ENOENT');
  });

  it('names a missing idlc instead of failing obscurely', () => {
    writeFileSync(join(dir, 'p.idl'), 'struct P { long x; };\n');
    expect(() =>
      generateFromIdl(join(dir, 'p.idl'), { outDir: dir, idlc: join(dir, 'no-idlc') }),
    ).toThrow(
      new ToolchainError(
        `idlc: '${join(dir, 'no-idlc')}' not found (install cyclonedds-tools, cyclonedds-dev and a C compiler)`,
        '',
      ),
    );
  });
});
