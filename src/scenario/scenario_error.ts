/** One problem with a scenario, located in its file (or in a --set override). */
export interface ScenarioIssue {
  /** "file:line:col" or "--set path=value". */
  where: string;
  /** Dotted field path, e.g. machine.cpus. */
  path: string;
  message: string;
  /** The offending value, as written. */
  value?: string;
}

/** Issues listed in one error before the rest are counted: a message stays readable. */
export const ISSUES_SHOWN = 20;
/** Characters of a value or name quoted in a message before it is cut. */
const QUOTED_MAX = 80;

/**
 * Text from the input made safe for a terminal: control characters (an ESC that would clear
 * the screen, a newline that would fake a second message) are written as escapes, and a
 * long text is cut.
 */
export function printable(text: string, max = QUOTED_MAX): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

/** Names for a message: quoted when empty or not a plain word, at most a few. */
export function name_list(names: readonly string[], shown = 5): string {
  const quoted = names.slice(0, shown).map((name) => (/^[\w.-]+$/.test(name) ? name : JSON.stringify(name)));
  return quoted.join(', ') + (names.length > shown ? ` and ${names.length - shown} more` : '');
}

function format_issue(issue: ScenarioIssue): string {
  const value = issue.value === undefined ? '' : ` (got ${printable(issue.value)})`;
  return `${printable(issue.where, 300)} ${printable(issue.path, 200) || '(scenario)'}: ${printable(issue.message, 2000)}${value}`;
}

/** Thrown for a scenario that cannot be used; its message lists every issue (at most ISSUES_SHOWN), one per line. */
export class ScenarioError extends Error {
  readonly code = 'SIM_SCENARIO_INVALID';

  constructor(readonly issues: ScenarioIssue[]) {
    const shown = issues.slice(0, ISSUES_SHOWN).map(format_issue);
    if (issues.length > ISSUES_SHOWN) shown.push(`and ${issues.length - ISSUES_SHOWN} more issues`);
    super(shown.join('\n'));
    this.name = 'ScenarioError';
  }
}
