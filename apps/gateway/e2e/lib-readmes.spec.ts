/**
 * Every library README's ```ts blocks type-check against the libraries as they are, so a README
 * cannot show an API that does not exist. Blocks are fragments: names they use without defining
 * (`config`, `agentId`, ...) are declared `any` — found from the compiler's own "cannot find name"
 * errors — while everything they import or build from the libraries keeps its real type.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');
const CANNOT_FIND_NAME = new Set([2304, 2552, 18004]);
const SKETCH = '<!-- sketch: signatures, not compiled -->';

interface Block {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

function tsBlocks(readme: string): Block[] {
  const lines = readFileSync(join(ROOT, readme), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i])) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${readme}:${i + 1}: unterminated block`);
    // A signature sketch (`qos?`, `…`) says so just above its fence and is not compiled.
    if (lines[i - 1]?.trim() === SKETCH || lines[i - 2]?.trim() === SKETCH) {
      i = end;
      continue;
    }
    out.push({ file: readme, line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

function compilerOptions(): ts.CompilerOptions {
  const base = ts.readConfigFile(join(ROOT, 'tsconfig.base.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, ROOT);
  return {
    ...parsed.options,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    // Fragments show calls, not complete programs: a name shown but not used again is fine.
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
}

/** Diagnostics of the blocks compiled together, each block as its own module. */
function check(sources: Map<string, string>, options: ts.CompilerOptions): ts.Diagnostic[] {
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (f) => sources.get(f) ?? read(f);
  host.fileExists = (f) => sources.has(f) || exists(f);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, v) =>
    sources.has(f)
      ? ts.createSourceFile(f, sources.get(f) as string, v, true)
      : getSourceFile(f, v);
  const program = ts.createProgram([...sources.keys()], options, host);
  return [...sources.keys()].flatMap((f) => {
    const sf = program.getSourceFile(f);
    return sf
      ? [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]
      : [];
  });
}

describe('library READMEs', () => {
  const readmes = readdirSync(join(ROOT, 'libs'))
    .map((lib) => join('libs', lib, 'README.md'))
    .filter((f) => ts.sys.fileExists(join(ROOT, f)));
  const blocks = readmes.flatMap(tsBlocks);

  it('have TypeScript examples to check', () => {
    expect(readmes.length).toBeGreaterThanOrEqual(8);
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  it('type-check every ```ts block against the libraries as they are', () => {
    const options = compilerOptions();
    const name = (b: Block) => join(ROOT, 'dist', 'lib-readmes', `${b.file}-${b.line}.ts`);
    // A block is a module of its own (an `export {}` makes even an import-less block one), in an
    // async function body so that top-level `await` fragments compile.
    const wrap = (b: Block, prelude: string) => {
      const imports = b.code.split('\n').filter((l) => /^import\s/.test(l));
      const body = b.code.split('\n').map((l) => (/^import\s/.test(l) ? '' : l));
      return `${imports.join('\n')}\nexport {};\n${prelude}\nasync function example() {\n${body.join('\n')}\n}\nvoid example;\n`;
    };
    const first = new Map(blocks.map((b) => [name(b), wrap(b, '')]));
    const free = new Map<string, Set<string>>();
    for (const d of check(first, options)) {
      if (!d.file || !CANNOT_FIND_NAME.has(d.code)) continue;
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const m = /(?:Cannot find name|shorthand property) '([^']+)'/.exec(text);
      if (m) free.set(d.file.fileName, (free.get(d.file.fileName) ?? new Set()).add(m[1]));
    }
    const second = new Map(
      blocks.map((b) => {
        const names = [...(free.get(name(b)) ?? [])];
        return [
          name(b),
          wrap(b, names.map((n) => `declare const ${n}: any; type ${n} = any;`).join('\n')),
        ];
      }),
    );
    const errors = check(second, options).map((d) => {
      const block = blocks.find((b) => name(b) === d.file?.fileName);
      const pos =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      // Line in the README: the block's fence line + the line inside the wrapped body.
      const header = block
        ? block.code.split('\n').filter((l) => /^import\s/.test(l)).length +
          Math.max(1, free.get(name(block))?.size ?? 0) +
          2
        : 0;
      const at = block && pos ? `${block.file}:${block.line + 1 + pos.line - header}` : '?';
      return `${at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(errors).toEqual([]);
  }, 120_000);
});
