import { describe, expect, it } from 'vitest';
import { toCsvField, toCsvRow } from './csv.ts';

describe('CSV export fields', () => {
  it('quotes commas, quotes and line breaks so a message stays one cell', () => {
    expect(toCsvField('a,b')).toBe('"a,b"');
    expect(toCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(toCsvField('two\nlines')).toBe('"two\nlines"');
    expect(toCsvField('plain')).toBe('plain');
  });

  it('defuses spreadsheet formulas', () => {
    expect(toCsvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(toCsvField('+123')).toBe("'+123");
    expect(toCsvField('@cmd')).toBe("'@cmd");
  });

  it('ends rows with CRLF and writes empty cells for missing values', () => {
    expect(toCsvRow(['a', null, undefined, 3])).toBe('a,,,3\r\n');
  });
});
