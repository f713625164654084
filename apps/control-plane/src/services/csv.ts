/**
 * One CSV field (RFC 4180 quoting). Cells starting with = + - @ (or a tab / carriage return) are
 * prefixed with an apostrophe so a spreadsheet never runs a message text as a formula.
 */
export function toCsvField(value: unknown): string {
  let text = cellText(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsvRow(values: readonly unknown[]): string {
  return `${values.map(toCsvField).join(',')}\r\n`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}
