// C0 controls except newline and tab, DEL, and C1 controls: a terminal acts on
// them (ESC starts colour, title and cursor sequences), so text that came from
// input never reaches it raw.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with every terminal control character written as a visible escape (`\x1b`). */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
