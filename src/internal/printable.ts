/**
 * Text from files and sites (GEDCOM names, batch cells, page text) made safe to print: control
 * characters other than tab and newline (terminal escape sequences among them: ESC, CSI, BEL,
 * backspace, carriage return) become U+FFFD, so a name cannot move the cursor, rewrite earlier
 * output or retitle the terminal.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, '\uFFFD');
}
