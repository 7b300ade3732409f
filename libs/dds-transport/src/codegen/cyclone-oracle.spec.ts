/* eslint-disable @typescript-eslint/no-explicit-any -- cases mix unrelated generated types */
import fc from 'fast-check';
import { join } from 'node:path';
import type { TypeSupport } from '../lib/type-support';
import * as gen from '../../tmp/generated/all-types';
import * as arb from '../../test/fixtures/all-types.arbitraries';
import {
  buildCdrOracle,
  CdrOracle,
  expectLikeCyclone,
  payloadBody,
  representationsOf,
  withHeader,
} from '../../test/fixtures/cdr-oracle';

/**
 * The TypeScript encoder must produce exactly the bytes Cyclone itself produces for the same
 * sample, for every construct, in both XCDR versions; Cyclone's big-endian output must decode in
 * TypeScript; and the key-only payload Cyclone builds must decode with `decodeKey`.
 */
type Case = [
  name: string,
  type: TypeSupport<any>,
  arb: fc.Arbitrary<any>,
  keyOf: (s: any) => unknown,
];

const cases: Case[] = [
  ['fx::Prims', gen.PrimsType, arb.prims, () => ({})],
  ['fx::Containers', gen.ContainersType, arb.containers, () => ({})],
  ['fx::KeyedFinal', gen.KeyedFinalType, arb.keyedFinal, (s) => ({ id: s.id, n: s.n })],
  ['fx::NestedKey', gen.NestedKeyType, arb.nestedKey, (s) => ({ in1: s.in1 })],
  ['fx::ArrKey', gen.ArrKeyType, arb.arrKey, (s) => ({ mac: s.mac })],
  ['fx::EnumKey', gen.EnumKeyType, arb.enumKey, (s) => ({ c: s.c, name: s.name })],
  ['fx::App', gen.AppType, arb.app, (s) => ({ k: s.k })],
  ['fx::Mut', gen.MutType, arb.mut, (s) => ({ k: s.k })],
  ['fx::FinalWithApp', gen.FinalWithAppType, arb.finalWithApp, () => ({})],
  ['un::Holder', gen.HolderType, arb.holder, (s) => ({ id: s.id })],
  ['fx::Escaped', gen.EscapedType, arb.escaped, (s) => ({ module: s.module })],
];

let oracle: CdrOracle;

beforeAll(() => {
  oracle = buildCdrOracle(
    join(__dirname, '../../test/fixtures/all-types.idl'),
    cases.map((c) => c[0]),
  );
});

afterAll(() => oracle?.close());

describe.each(cases)('%s against Cyclone', (name, type, arbitrary, keyOf) => {
  it.each(representationsOf(type))(
    '%s: encodes exactly as Cyclone, decodes its LE and BE output, decodes its keys',
    (rep) => {
      expectLikeCyclone(
        oracle,
        name,
        type,
        fc.sample(arbitrary, { numRuns: 60, seed: 42 }),
        rep,
        keyOf,
      );
    },
  );
});

describe('Cyclone rejects what the TS decoder rejects', () => {
  it('an XCDR2 payload truncated inside a DHEADER is invalid for both', () => {
    const p = gen.AppType.encode({ k: 1, names: ['a', 'b'], in1: { a: 1, b: 'x' }, d: 1, big: 2n });
    const cut = withHeader((p[0] << 8) | p[1], payloadBody(p).subarray(0, 20));
    expect(oracle.run([{ typeName: 'fx::App', payload: cut }])[0].valid).toBe(false);
    expect(() => gen.AppType.decode(cut)).toThrow(/truncated|DHEADER/);
  });
});
