import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LocalTime } from './local-time.tsx';

describe('LocalTime on the server', () => {
  it('renders the instant in UTC, saying so, since the viewer zone is unknown there', () => {
    const saved = process.env.TZ;
    try {
      // The server's own zone must not leak into the page: the text is UTC whatever it is.
      process.env.TZ = 'Asia/Kolkata';
      const html = renderToString(createElement(LocalTime, { iso: '2026-12-02T13:05:09.000Z' }));
      expect(html).toContain('dateTime="2026-12-02T13:05:09.000Z"');
      expect(html).toContain('>2026-12-02 13:05:09 UTC</time>');
      expect(html).not.toContain('18:35');
      expect(renderToString(createElement(LocalTime, { iso: null, fallback: 'never' }))).toBe('never');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
