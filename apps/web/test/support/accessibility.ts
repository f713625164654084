import type { Page } from 'playwright-core';

/**
 * The accessibility basics every page must meet, checked in the page itself: `lang` on <html>, one h1
 * and no skipped heading level, a name for every form control, button, link and image, a status badge
 * that says its status in words, and a skip link to an existing <main id="main">. Returns what is wrong,
 * one line each, so a failure names the element.
 */
export function findAccessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const describe = (el: Element) =>
      `<${el.tagName.toLowerCase()}${el.id ? ` id="${el.id}"` : ''}${
        el.getAttribute('name') ? ` name="${el.getAttribute('name')}"` : ''
      }>`;
    const isShown = (el: Element) => {
      const style = getComputedStyle(el);
      return style.display !== 'none' && style.visibility !== 'hidden';
    };
    const hasAriaName = (el: Element) =>
      (el.getAttribute('aria-label') ?? '').trim() !== '' ||
      (el.getAttribute('aria-labelledby') ?? '')
        .split(/\s+/)
        .some((id) => id !== '' && (document.getElementById(id)?.textContent ?? '').trim() !== '');

    if (!document.documentElement.lang) problems.push('<html> has no lang');

    const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(isShown);
    const h1s = headings.filter((h) => h.tagName === 'H1');
    if (h1s.length !== 1) problems.push(`${h1s.length} h1 elements (want exactly one)`);
    let previous = 0;
    for (const h of headings) {
      const level = Number(h.tagName.slice(1));
      if (level > previous + 1)
        problems.push(`heading "${h.textContent}" (h${level}) skips from h${previous}`);
      previous = level;
    }

    const controls = document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
      'input:not([type="hidden"]):not([type="submit"]):not([type="button"]), select, textarea',
    );
    for (const control of controls) {
      const isLabelled = [...(control.labels ?? [])].some((l) => (l.textContent ?? '').trim() !== '');
      if (!isLabelled && !hasAriaName(control))
        problems.push(`form control ${describe(control)} has no label`);
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      if (isShown(el) && (el.textContent ?? '').trim() === '' && !hasAriaName(el))
        problems.push(`${describe(el)} has no name`);
    }
    for (const img of document.querySelectorAll('img')) {
      if (!img.hasAttribute('alt')) problems.push(`${describe(img)} has no alt`);
    }
    for (const badge of document.querySelectorAll('.badge')) {
      if ((badge.textContent ?? '').trim() === '') problems.push('a status badge shows colour but no word');
    }

    const skip = document.querySelector('a.skip-link');
    if (skip?.getAttribute('href') !== '#main') problems.push('no skip link to #main');
    if (document.querySelector('main#main') === null) problems.push('no <main id="main">');
    return problems;
  });
}

/**
 * Tabs once on a freshly loaded page: the skip link must come first and become visible, with an outline
 * (the focus style); following it puts the focus in <main>.
 */
export async function checkKeyboardStart(page: Page): Promise<{
  isSkipLinkFirst: boolean;
  isSkipLinkVisible: boolean;
  isFocusInMain: boolean;
  outline: string;
}> {
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const box = el?.getBoundingClientRect();
    const style = el ? getComputedStyle(el) : undefined;
    return {
      isSkipLinkFirst: el?.classList.contains('skip-link') === true,
      isSkipLinkVisible:
        box !== undefined && box.left >= 0 && box.width > 0 && box.right <= window.innerWidth,
      outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : 'none',
    };
  });
  await page.keyboard.press('Enter');
  const isFocusInMain = await page.evaluate(() => {
    const el = document.activeElement;
    return el !== null && el.closest('main#main') !== null;
  });
  return { ...first, isFocusInMain };
}
