import { printable } from '../scenario/scenario_error.js';

/**
 * A message for the terminal: control characters that came from the input (an ESC that would
 * clear the screen) written as escapes; the message's own line breaks kept.
 */
export function printable_lines(text: string): string {
  return text
    .split('\n')
    .map((line) => printable(line, 4000))
    .join('\n');
}
