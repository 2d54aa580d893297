// Go's strconv.FormatFloat(v, 'g', -1, 64), which is what `%g` prints for a float64: the shortest digits
// that read back to the same double, in exponent form when the decimal exponent is < -4 or >= 6 (so
// 1e+06 but 123456, 1e-05 but 0.0001), with at least two exponent digits; NaN, +Inf, -Inf and -0 spelled
// out. JavaScript's String(v) has the same shortest digits but other switch points (1e21 and 1e-7), so
// the fixed-notation band [1e-4, 1e6) passes straight through and everything else is re-spelled.

/** Formats a float64 as Go's `%g` / `strconv.FormatFloat(v, 'g', -1, 64)`. */
export function formatGoFloat(v: number): string {
  const abs = v < 0 ? -v : v;
  if (abs >= 1e-4 && abs < 1e6) return String(v);
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (abs === Infinity) return v > 0 ? '+Inf' : '-Inf';
  if (v !== v) return 'NaN';
  return exponentForm(String(v));
}

/**
 * Re-spells JavaScript's shortest representation of a number outside [1e-4, 1e6) as `d.ddde±XX`.
 * The input is either exponent form already ("1.5e-7", "1e+21"), or a number of at least 1e6 in
 * fixed notation ("1234500", "9999999.999999821"), or a fraction below 1e-4 ("0.00001234").
 */
function exponentForm(js: string): string {
  let sign = '';
  let s = js;
  if (s.charCodeAt(0) === 45 /* - */) {
    sign = '-';
    s = s.slice(1);
  }
  let digits: string;
  let exp: number;
  const e = s.indexOf('e');
  if (e >= 0) {
    digits = e > 1 ? s[0]! + s.slice(2, e) : s[0]!; // "d.ddd" or "d"
    exp = Number(s.slice(e + 1));
  } else if (s.startsWith('0.')) {
    let i = 2;
    while (s.charCodeAt(i) === 48 /* 0 */) i++;
    digits = s.slice(i);
    exp = 1 - i;
  } else {
    const dot = s.indexOf('.');
    const intPart = dot < 0 ? s : s.slice(0, dot);
    digits = (dot < 0 ? s : intPart + s.slice(dot + 1)).replace(/0+$/, '');
    exp = intPart.length - 1;
  }
  const mantissa = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  const expSign = exp < 0 ? '-' : '+';
  const expAbs = exp < 0 ? -exp : exp;
  return `${sign}${mantissa}e${expSign}${expAbs < 10 ? '0' : ''}${expAbs}`;
}
