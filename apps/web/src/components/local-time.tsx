'use client';
import { useSyncExternalStore } from 'react';
import { formatDateTimeUtc, formatDateTimeZone, formatLogTimeZone } from '@/lib/format.ts';

const noSubscribe = () => () => {};

/**
 * True in the browser, false while rendering on the server and during hydration: the server cannot know
 * the viewer's zone, so it renders the UTC time (with "UTC") and the browser then shows its own zone.
 * Both texts carry their zone, and hydration sees the same text as the server sent (no mismatch).
 */
export function useInBrowser(): boolean {
  return useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
}

/**
 * Every time the portal shows: the viewer's local date and time with its UTC offset, e.g.
 * "2026-12-02 14:05:09 UTC+01:00", in a <time> element whose dateTime is the stored UTC instant.
 */
export function LocalTime({
  iso,
  withMs = false,
  fallback = '—',
}: {
  iso: string | null | undefined;
  withMs?: boolean;
  fallback?: string;
}) {
  const inBrowser = useInBrowser();
  if (!iso) return <>{fallback}</>;
  const text = inBrowser
    ? withMs
      ? formatLogTimeZone(iso)
      : formatDateTimeZone(iso)
    : formatDateTimeUtc(iso);
  return (
    <time dateTime={iso} data-testid="local-time">
      {text}
    </time>
  );
}
