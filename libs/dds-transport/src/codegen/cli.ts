import { Command } from 'commander';
import { generateFromIdl } from './generate';

interface GenOptions {
  out: string;
  include: string[];
  define: string[];
  runtime: string;
  idlc?: string;
  cc?: string;
}

/** `dds-idl`: the code generator's command line. Returns the process exit code. */
export function main(argv: readonly string[]): number {
  let code = 0;
  const program = new Command('dds-idl')
    .description('TypeScript types and CycloneDDS type support from IDL')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const collect = (v: string, all: string[]): string[] => [...all, v];
  program
    .command('gen')
    .description('generate <out>/<idl-basename>.ts (and a module per included IDL file)')
    .argument('<file.idl>', 'IDL file')
    .requiredOption('-o, --out <dir>', 'output directory')
    .option('-I, --include <dir>', 'add a directory to the #include search path', collect, [])
    .option('-D, --define <macro[=value]>', 'define a preprocessor macro', collect, [])
    .option(
      '--runtime <module>',
      'module the generated code imports the runtime from',
      '@dds/transport',
    )
    .option('--idlc <path>', "Cyclone's idlc (default: $IDLC or idlc on PATH)")
    .option('--cc <path>', 'C compiler (default: $CC or cc)')
    .action((file: string, o: GenOptions) => {
      const written = generateFromIdl(file, {
        outDir: o.out,
        runtimeModule: o.runtime,
        includeDirs: o.include,
        defines: o.define,
        idlc: o.idlc,
        cc: o.cc,
      });
      for (const w of written) process.stdout.write(`dds-idl: wrote ${w}\n`);
    });
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number; message?: string };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
      return ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version'
        ? 0
        : (ce.exitCode ?? 1);
    }
    process.stderr.write(`dds-idl: ${ce.message ?? String(e)}\n`);
    code = 1;
  }
  return code;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
