import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('follows #include through -I, defines macros with -D and writes a module per file', () => {
    mkdirSync(join(dir, 'inc', 'geo'), { recursive: true });
    writeFileSync(
      join(dir, 'inc', 'geo', 'point.idl'),
      '#ifndef POINT_IDL\n#define POINT_IDL\nmodule geo { @nested struct Point { long x; long y; }; };\n#endif\n',
    );
    writeFileSync(
      join(dir, 'track.idl'),
      '#include "geo/point.idl"\n#include "geo/point.idl"\nstruct Track { @key long id; geo::Point pts[N]; };\n',
    );
    const out = join(dir, 'out');
    expect(
      main(['gen', join(dir, 'track.idl'), '-o', out, '-I', join(dir, 'inc'), '-D', 'N=3']),
    ).toBe(0);
    expect(written(stdout)).toBe(
      `dds-idl: wrote ${join(out, 'track.ts')}\ndds-idl: wrote ${join(out, 'geo', 'point.ts')}\n`,
    );
    const track = readFileSync(join(out, 'track.ts'), 'utf8');
    expect(track).toContain('import * as $geo_point from "./geo/point";');
    expect(track).toContain('pts: $geo_point.Point[];');
    expect(track).toContain('export const TrackType: TypeSupport<Track>');
    expect(track).toMatch(/length !== 3\)/);
    const point = readFileSync(join(out, 'geo', 'point.ts'), 'utf8');
    expect(point).toContain('export interface Point {');
    // A nested type has encoders for the types that contain it, but no TypeSupport.
    expect(point).toContain('export function e_geo_Point(');
    expect(point).not.toContain('PointType');
  });

  it('names the file and line of a problem in an included file', () => {
    mkdirSync(join(dir, 'inc'));
    writeFileSync(
      join(dir, 'inc', 'bad.idl'),
      'module m {\n  struct S { map<long, long> m; };\n};\n',
    );
    writeFileSync(join(dir, 'main.idl'), '#include "bad.idl"\nstruct T { long x; };\n');
    expect(main(['gen', join(dir, 'main.idl'), '-o', dir, '-I', join(dir, 'inc')])).toBe(1);
    expect(written(stderr)).toMatch(
      /^dds-idl: \S*inc\/bad\.idl:2:14: map<K, V> is not supported: Cyclone DDS 0\.10\.2's idlc cannot compile maps\n$/,
    );
  });

  it("relocates idlc's own errors in included files to their file and line", () => {
    mkdirSync(join(dir, 'inc'));
    // Our parser accepts a sequence key; idlc does not.
    writeFileSync(join(dir, 'inc', 'k.idl'), '\n\nstruct K { @key sequence<long> s; };\n');
    writeFileSync(join(dir, 'main.idl'), '#include "k.idl"\nstruct T { K k; };\n');
    expect(main(['gen', join(dir, 'main.idl'), '-o', dir, '-I', join(dir, 'inc')])).toBe(1);
    const err = written(stderr);
    expect(err).toMatch(/^dds-idl: idlc failed\n/);
    expect(err).toMatch(/inc\/k\.idl:3:/);
  });

  it('reports a missing include and an include that escapes the output directory', () => {
    writeFileSync(join(dir, 'a.idl'), '#include "nowhere.idl"\nstruct A { long x; };\n');
    expect(main(['gen', join(dir, 'a.idl'), '-o', dir])).toBe(1);
    expect(written(stderr)).toMatch(/idlc -E failed\n.*Can't open include file "nowhere\.idl"/s);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'up.idl'), 'module up { struct U { long x; }; };\n');
    writeFileSync(join(dir, 'sub', 'b.idl'), '#include "../up.idl"\nstruct B { up::U v; };\n');
    expect(main(['gen', join(dir, 'sub', 'b.idl'), '-o', join(dir, 'out')])).toBe(1);
    expect(written(stderr)).toContain(
      '#include "../up.idl" names no place inside the output directory; include it by a path relative to an -I directory',
    );
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
