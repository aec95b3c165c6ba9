// What Python makes of a JSON text, rendered as Python renders it: `urllib.parse.urlencode` of
// `json.loads(body)`, the payload Monte Carlo signs. Read from the text itself, not from
// JSON.parse's result, which loses what Python keeps:
// - numbers as written: `100.0` is a float (`100.0`), `100` an int, `1e5` a float (`100000.0`),
//   and an int of any size keeps every digit;
// - key order as received (JavaScript objects put integer-like keys first); a repeated key keeps
//   its first position and its last value, as a dict built from the pairs does;
// - strings escaped as `repr` escapes them: every character `str.isprintable()` refuses.

type PyValue =
  | { t: 'str'; v: string }
  | { t: 'int'; v: string }
  | { t: 'float'; v: number }
  | { t: 'const'; v: 'True' | 'False' | 'None' }
  | { t: 'list'; v: PyValue[] }
  | { t: 'dict'; v: Map<string, PyValue> };

export class PythonJsonError extends Error {}

// Sticky: matched where the reader is, without copying the rest of the text.
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
// JSON forbids raw control characters in a string: the range below is the rule itself.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;

/** json.loads of a JSON text (bounded in depth by the caller: the body's nesting is checked first). */
export function pythonJsonLoads(text: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new PythonJsonError(`${what} at offset ${i}`);
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const dict = new Map<string, PyValue>();
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'dict', v: dict };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[i] !== ':') fail('expected :');
        i++;
        dict.set(key, value()); // a repeated key: first position, last value
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'dict', v: dict };
        }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const list: PyValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'list', v: list };
      }
      for (;;) {
        list.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { t: 'list', v: list };
        }
        fail('expected , or ]');
      }
    }
    if (c === '"') return { t: 'str', v: string() };
    for (const [word, v] of [
      ['true', 'True'],
      ['false', 'False'],
      ['null', 'None'],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { t: 'const', v };
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('expected a value');
    i += m[0].length;
    // Python's json: a fraction or an exponent makes a float, anything else an int.
    return m[1] !== undefined || m[2] !== undefined ? { t: 'float', v: Number(m[0]) } : { t: 'int', v: m[0] === '-0' ? '0' : m[0] };
  };
  const string = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) return fail('malformed string');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const result = value();
  ws();
  if (i !== text.length) fail('unexpected text after the value');
  return result;
}

/** Python's repr() of a value (str() too, for everything but a top-level string). */
export function pythonRepr(value: PyValue): string {
  switch (value.t) {
    case 'str':
      return stringRepr(value.v);
    case 'int':
      return value.v;
    case 'float':
      return floatRepr(value.v);
    case 'const':
      return value.v;
    case 'list':
      return `[${value.v.map(pythonRepr).join(', ')}]`;
    case 'dict':
      return `{${[...value.v].map(([k, v]) => `${stringRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
}

/**
 * float.__repr__: the shortest digits that round-trip (as JavaScript's), in exponent form when
 * the exponent is below -4 or at least 16 (`1e-05`, `1e+16`, two exponent digits at least),
 * otherwise positional with at least one decimal (`100.0`, `0.0001`).
 */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const [mantissa, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const e = Number(exp);
  if (x !== 0 && (e < -4 || e >= 16)) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (x === 0) return `${sign}0.0`;
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, '0');
  const fraction = digits.slice(e + 1);
  return `${sign}${whole}.${fraction || '0'}`;
}

// What str.isprintable() refuses: other (Cc, Cf, Cs, Co, Cn) and separators (Zl, Zp, Zs) but the ASCII space.
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** str.__repr__: single quotes unless the text has one and no double quote; escapes as Python's. */
function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NOT_PRINTABLE.test(ch)) {
      out += code < 0x100 ? `\\x${hex(code, 2)}` : code < 0x10000 ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`;
    } else out += ch;
  }
  return out + quote;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** urllib.parse.quote_plus: unreserved `A-Za-z0-9_.-~` kept, space as +, UTF-8 %XX otherwise. */
export function quotePlus(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.~-]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** urllib.parse.urlencode(json.loads(text)) for a JSON object: top-level strings as they are, the rest through str(). */
export function pythonUrlencode(text: string): string {
  const body = pythonJsonLoads(text);
  if (body.t !== 'dict') throw new PythonJsonError('the body is not a JSON object');
  return [...body.v].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v.t === 'str' ? v.v : pythonRepr(v))}`).join('&');
}
