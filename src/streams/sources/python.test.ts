import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pythonUrlencodeOf, runPython } from '../../../test/support/python.js';
import { floatRepr, pythonJsonLoads, pythonRepr, pythonUrlencode, quotePlus } from './python.js';

const repr = (text: string) => pythonRepr(pythonJsonLoads(text));

/**
 * Code points on which this Python and this Node disagree about printability: only characters
 * this Python's Unicode database does not know yet (Python 3.11 has Unicode 14, Node 20's ICU a
 * later one), which a sender on an older Python escapes and a newer one does not.
 */
let disagreements: { codePoints: Set<number>; unknownToPython: number } | undefined;
function printableDisagreements(): { codePoints: Set<number>; unknownToPython: number } {
  if (disagreements) return disagreements;
  const out = JSON.parse(
    runPython(
      [
        'import json, sys, unicodedata',
        'bad = [c for c in range(0x110000) if not chr(c).isprintable()]',
        'unknown = [c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cn"]',
        'print(json.dumps([bad, unknown]))',
      ].join('\n'),
    ),
  ) as [number[], number[]];
  const pythonRefuses = new Set(out[0]);
  const unknown = new Set(out[1]);
  const codePoints = new Set<number>();
  let unknownToPython = 0;
  for (let c = 0; c < 0x110000; c++) {
    const ch = String.fromCodePoint(c);
    const oursEscaped = repr(JSON.stringify(ch)) !== `'${ch}'` && ch !== "'" && ch !== '\\';
    if (oursEscaped !== pythonRefuses.has(c)) {
      codePoints.add(c);
      if (unknown.has(c)) unknownToPython++;
    }
  }
  disagreements = { codePoints, unknownToPython };
  return disagreements;
}

describe('Python rendering of JSON (what Monte Carlo signs)', () => {
  it('keeps numbers as Python reads them: floats as written, ints of any size', () => {
    assert.equal(
      repr('[100.0, 0.25, 100, -0, -0.0, 1e5, 1E+16, 1e-5, 0.0001, 1e400, 12345678901234567890123]'),
      '[100.0, 0.25, 100, 0, -0.0, 100000.0, 1e+16, 1e-05, 0.0001, inf, 12345678901234567890123]',
    );
    assert.equal(floatRepr(9999999999999998), '9999999999999998.0');
    assert.equal(floatRepr(1.5e300), '1.5e+300');
    assert.equal(floatRepr(5e-324), '5e-324');
  });

  it('keeps keys in received order (integer-like ones too), a repeated key at its first place with its last value', () => {
    assert.equal(repr('{"b": 1, "1": 2, "a": 3, "b": 4}'), "{'b': 4, '1': 2, 'a': 3}");
  });

  it('escapes what str.isprintable() refuses, as repr does', () => {
    assert.equal(repr('"a\u00a0b\u200bc\u2028d\\u0007\u00ad\u{1F600} \\t\\\\"'), "'a\\xa0b\\u200bc\\u2028d\\x07\\xad\u{1F600} \\t\\\\'");
    assert.equal(repr('"it\'s"'), `"it's"`);
    assert.equal(repr('"\\"it\'s\\""'), `'"it\\'s"'`);
    assert.equal(quotePlus("a b/c~d'é"), 'a+b%2Fc~d%27%C3%A9');
  });

  it('escapes exactly the code points real Python escapes, but for characters newer than its Unicode database', () => {
    const { codePoints, unknownToPython } = printableDisagreements();
    assert.equal(
      unknownToPython,
      codePoints.size,
      `disagreements on assigned characters: ${[...codePoints]
        .slice(0, 20)
        .map((c) => c.toString(16))
        .join(' ')}`,
    );
  });

  it('matches real Python over generated bodies: numbers, unicode, nesting, key order', () => {
    // Characters newer than this Python's Unicode database are left out (see the test above).
    const newer = printableDisagreements().codePoints;
    const known = (s: string) => [...s].filter((ch) => !newer.has(ch.codePointAt(0)!)).join('');
    const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }).map(known), fc.nat({ max: 99 }).map(String));
    const float = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (/[.eE]/.test(String(d)) ? String(d) : `${String(d)}.0`)),
      fc
        .tuple(fc.integer({ min: -999, max: 999 }), fc.nat({ max: 99_999 }), fc.integer({ min: -330, max: 330 }))
        .map(([a, b, e]) => `${a}.${b}e${e}`),
      fc.constantFrom('100.0', '0.25', '-0.0', '1E+16', '1e-400', '-1e400', '123456789012345678901234567890.5'),
    );
    const scalar = fc.oneof(
      fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
      float,
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => JSON.stringify(known(s))),
      // The same text with every non-ASCII character escaped: Python reads the same string.
      fc
        .string({ unit: 'binary', maxLength: 8 })
        .map((s) => JSON.stringify(known(s)).replace(/[^\x20-\x7e]/g, (u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)),
      fc.constantFrom('true', 'false', 'null'),
    );
    const { value } = fc.letrec<{ value: string; list: string; dict: string }>((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('dict')),
      list: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(' , ')}]`),
      dict: fc
        .array(fc.tuple(key, tie('value')), { maxLength: 4 })
        .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    }));
    const body = fc
      .array(fc.tuple(key, value), { minLength: 1, maxLength: 5 })
      .map((kv) => `{ ${kv.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')} }`);
    const bodies = fc.sample(body, { numRuns: 600, seed: 1312 });
    const python = pythonUrlencodeOf(bodies);
    bodies.forEach((b, i) => assert.equal(pythonUrlencode(b), python[i], `body ${i}: ${b}`));
  });
});
