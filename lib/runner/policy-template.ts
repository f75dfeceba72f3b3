/**
 * Templating of a database's IAM statements for roles that share one managed policy: each whole
 * path segment equal to the database's name (in resources and condition values only) becomes the
 * policy variable `${aws:PrincipalTag/<key>}`. Evaluating the variable for that database (the role
 * carries the tag `<key>=<database>`) gives back exactly the original strings, so a shared policy
 * grants each role exactly what its own policy would have granted.
 */

/** The IAM policy variable that IAM replaces with the value of the principal's tag `key`. */
export function principalTagVariable(key: string): string {
  return `\${aws:PrincipalTag/${key}}`;
}

/** Keys we use for the principal tag: no colon, no `aws:` prefix, no character a policy variable could misread. */
const TAG_KEY = /^[A-Za-z0-9_.=+\-@]{1,128}$/;

/**
 * What IAM allows in a tag value, minus "/" (a database's name is one path segment): letters,
 * digits, spaces and `_ . : = + - @`, at most 256 characters. None of them is a wildcard or
 * starts a policy variable, so the value stands for itself once substituted.
 */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:=+\-@]{1,256}$/u;

/** The problems of a principal-tag key (empty when it is valid). */
export function tagKeyProblems(key: string): string[] {
  if (!TAG_KEY.test(key) || key.toLowerCase().startsWith('aws')) {
    return [`tagKey: 1-128 letters, digits or _ . = + - @, not starting with "aws" (it becomes the policy variable \${aws:PrincipalTag/<key>}), got "${key}"`];
  }
  return [];
}

/** Whether the database's name can be a principal tag's value, hence be templated. */
export function isTemplatableDatabase(database: string): boolean {
  return TAG_VALUE.test(database);
}

/**
 * `value` with every "/"-separated segment equal to `database` replaced by `variable`. Token
 * markers (`${Token[...]}`) hold no "/" and never equal a templatable name, so a segment touching
 * a token is left alone (it only keeps the role out of sharing).
 */
export function templateSegments(value: string, database: string, variable: string): string {
  return value.split('/').map((segment) => (segment === database ? variable : segment)).join('/');
}

/** Strings templated, arrays and plain objects (keys kept) recursed, anything else (numbers, tokens) as is. */
export function templateValue(value: unknown, database: string, variable: string): unknown {
  return mapStrings(value, (s) => templateSegments(s, database, variable));
}

/** What IAM evaluates a templated value to for the principal tagged `database`: every occurrence of the variable replaced. */
export function evaluateVariable(value: unknown, variable: string, database: string): unknown {
  return mapStrings(value, (s) => s.split(variable).join(database));
}

/** Whether any string inside `value` contains `text`. */
export function containsText(value: unknown, text: string): boolean {
  let found = false;
  mapStrings(value, (s) => {
    if (s.includes(text)) found = true;
    return s;
  });
  return found;
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  }
  return value;
}
