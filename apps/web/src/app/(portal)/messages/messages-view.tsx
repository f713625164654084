'use client';
import { useCallback, useEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import type { MessageDto, SessionState } from '@wa-fleet/contract';
import { callRoute, type ApiError } from '@/lib/api-client.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { DataTable } from '@/components/data-table.tsx';
import { Loading } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';
import { MessageChanges, RemovedContent, isContentRemoved } from '@/components/message-changes.tsx';
import { MessageFiltersForm } from './message-filters.tsx';
import {
  EMPTY_FILTERS,
  hasAnyFilter,
  toFilterQuery,
  toSearch,
  MESSAGE_TYPE_LABELS,
  type MessageFilterQuery,
  type MessageFilters,
} from './message-filter-state.ts';

const PAGE_SIZE = 50;
const REFRESH_MS = 4_000;

/** The control plane's order: newest first on (createdAt, id). */
function compareNewestFirst(a: MessageDto, b: MessageDto): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Folds a fresh first page into what is shown: new rows join, shown rows take their newer status.
 * Sorted again because a row can commit after a newer one was already displayed.
 */
function mergeNewest(shown: MessageDto[], fresh: MessageDto[]): MessageDto[] {
  const byId = new Map(shown.map((m) => [m.id, m]));
  for (const m of fresh) byId.set(m.id, m);
  return [...byId.values()].sort(compareNewestFirst);
}

/** The same for a search, ordered best match first: the fresh first page leads, the rest keep their place. */
function mergeRanked(shown: MessageDto[], fresh: MessageDto[]): MessageDto[] {
  const ids = new Set(fresh.map((m) => m.id));
  return [...fresh, ...shown.filter((m) => !ids.has(m.id))];
}

export function MessagesView() {
  const [filters, setFilters] = useState<MessageFilters>(EMPTY_FILTERS);
  const [items, setItems] = useState<MessageDto[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [isLoading, setIsLoading] = useState(true);
  const [isLoadingMore, setIsLoadingMore] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [isPaused, setIsPaused] = useState(false);
  const [refreshedAt, setRefreshedAt] = useState<string>();
  const query = toFilterQuery(filters);
  const filterKey = toSearch(query);
  const filterKeyRef = useRef(filterKey);
  filterKeyRef.current = filterKey;
  const queryRef = useRef(query);
  queryRef.current = query;
  // Explains an empty list: not linked yet, or linked with no traffic.
  const current = usePoll('GET /portal/tenant/current', {}, 15_000);

  const fetchPage = useCallback(async (cursor: string | null) => {
    return callRoute('GET /portal/tenant/current/logs', {
      query: { ...queryRef.current, limit: PAGE_SIZE, cursor: cursor ?? undefined },
    });
  }, []);

  useEffect(() => {
    let isStale = false;
    setIsLoading(true);
    setItems([]);
    setNextCursor(null);
    void fetchPage(null).then((res) => {
      if (isStale) return;
      if (res.ok) {
        setItems(res.data.items);
        setNextCursor(res.data.nextCursor);
        setError(undefined);
        setRefreshedAt(new Date().toISOString());
      } else setError(res.error);
      setIsLoading(false);
    });
    return () => {
      isStale = true;
    };
  }, [filterKey, fetchPage]);

  useEffect(() => {
    if (isPaused) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const key = filterKeyRef.current;
      const res = await fetchPage(null);
      if (stopped || key !== filterKeyRef.current) return;
      if (res.ok) {
        const merge = queryRef.current.q ? mergeRanked : mergeNewest;
        setItems((shown) => merge(shown, res.data.items));
        setNextCursor((cursor) => cursor ?? res.data.nextCursor);
        setError(undefined);
        setRefreshedAt(new Date().toISOString());
      } else setError(res.error);
      timer = setTimeout(() => void tick(), REFRESH_MS);
    };
    timer = setTimeout(() => void tick(), REFRESH_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [isPaused, filterKey, fetchPage]);

  async function loadMore() {
    if (!nextCursor) return;
    setIsLoadingMore(true);
    const res = await fetchPage(nextCursor);
    if (res.ok) {
      setItems((shown) => {
        const ids = new Set(shown.map((m) => m.id));
        return [...shown, ...res.data.items.filter((m) => !ids.has(m.id))];
      });
      setNextCursor(res.data.nextCursor);
    } else setError(res.error);
    setIsLoadingMore(false);
  }

  const exportHref = `/api/tenant/messages/export${filterKey ? `?${filterKey}` : ''}`;
  const exportCheck = useExportCheck(query, filterKey);
  return (
    <>
      <MessageFiltersForm value={filters} onApply={setFilters} />
      <div className="actions" style={{ marginBottom: '0.75rem' }}>
        <button
          type="button"
          className="secondary"
          aria-pressed={isPaused}
          onClick={() => setIsPaused((p) => !p)}
        >
          {isPaused ? 'Resume auto-refresh' : 'Pause auto-refresh'}
        </button>
        <a
          className="button secondary"
          href={exportHref}
          download
          data-testid="export-csv"
          ref={exportCheck.linkRef}
          onClick={exportCheck.onClick}
          aria-busy={exportCheck.isChecking}
        >
          {exportCheck.isChecking ? 'Checking export…' : 'Export CSV'}
        </a>
        <span className="muted small" role="status" aria-live="polite">
          {isPaused ? 'Auto-refresh paused.' : `Refreshes every ${REFRESH_MS / 1000} s.`}
          {refreshedAt ? (
            <>
              {' '}
              Last update <LocalTime iso={refreshedAt} />.
            </>
          ) : (
            ''
          )}
        </span>
      </div>
      {exportCheck.maxRows !== undefined && (
        <div className="banner banner-warn" role="alert" data-testid="export-too-large">
          <strong>Too many messages for one CSV file.</strong> More than{' '}
          {exportCheck.maxRows.toLocaleString('en')} messages match these filters, and one export holds at
          most {exportCheck.maxRows.toLocaleString('en')}. Narrow the filters or the date range (From date, To
          date), then export again.
        </div>
      )}
      <ApiErrorNotice error={exportCheck.error} what="start the export" />
      <ApiErrorNotice error={error} what="load messages" />
      {isLoading ? (
        <Loading text="Loading messages…" />
      ) : items.length === 0 ? (
        <EmptyMessages
          filters={filters}
          sessionState={current.data?.session?.state}
          failed={error !== undefined}
        />
      ) : (
        <MessagesTable items={items} isSearch={Boolean(query.q)} />
      )}
      {nextCursor && items.length > 0 && (
        <div className="actions" style={{ marginTop: '0.75rem' }}>
          <button type="button" onClick={() => void loadMore()} disabled={isLoadingMore}>
            {isLoadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  );
}

/**
 * The Export CSV link asks first whether the filter's rows fit the control plane's export cap. Over it,
 * the page says so and what to do, and no download starts (the export itself would answer 413, which a
 * browser shows only as a failed download). Under it, the link's own download goes ahead, so the file
 * still streams from the server to disk as it is written.
 */
function useExportCheck(query: MessageFilterQuery, filterKey: string) {
  const linkRef = useRef<HTMLAnchorElement>(null);
  const isCheckedRef = useRef(false);
  const [isChecking, setIsChecking] = useState(false);
  const [maxRows, setMaxRows] = useState<number>();
  const [error, setError] = useState<ApiError>();

  // Other filters: whatever was said about the previous ones no longer applies.
  useEffect(() => {
    setMaxRows(undefined);
    setError(undefined);
  }, [filterKey]);

  async function onClick(event: MouseEvent<HTMLAnchorElement>) {
    if (isCheckedRef.current) {
      // The click this check made itself: the browser downloads.
      isCheckedRef.current = false;
      return;
    }
    event.preventDefault();
    if (isChecking) return;
    setIsChecking(true);
    setMaxRows(undefined);
    setError(undefined);
    const res = await callRoute('GET /portal/tenant/current/logs/export/size', { query });
    setIsChecking(false);
    if (!res.ok) setError(res.error);
    else if (!res.data.fits) setMaxRows(res.data.maxRows);
    else {
      isCheckedRef.current = true;
      linkRef.current?.click();
    }
  }

  return {
    linkRef,
    onClick: (e: MouseEvent<HTMLAnchorElement>) => void onClick(e),
    isChecking,
    maxRows,
    error,
  };
}

function EmptyMessages({
  filters,
  sessionState,
  failed,
}: {
  filters: MessageFilters;
  sessionState: SessionState | undefined;
  failed: boolean;
}) {
  if (failed) return null;
  let why: string;
  if (hasAnyFilter(filters)) why = 'No messages match these filters. Clear them to see everything.';
  else if (sessionState !== undefined && sessionState !== 'CONNECTED')
    why =
      'No messages yet: your WhatsApp number is not linked. Scan the QR code on the Overview page to start.';
  else if (sessionState === 'CONNECTED')
    why = 'No messages yet: the number is linked, but nobody has written and nothing was sent.';
  else why = 'No messages yet.';
  return (
    <p className="empty card" data-testid="messages-empty" role="status">
      {why}
    </p>
  );
}

type SentBy = NonNullable<MessageDto['sentBy']>;

/** Who asked for an outbound message; a record over the contract's kinds, so a new one must be named. */
const SENT_BY_TEXT: Record<SentBy['kind'], (sentBy: SentBy) => string> = {
  USER: (s) => (s.label ? `by ${s.label}` : 'by a user'),
  API_KEY: () => 'by API key',
  AUTO_REPLY: () => 'auto-reply',
};

const sentByText = (sentBy: SentBy) => SENT_BY_TEXT[sentBy.kind](sentBy);

/** The text with the search's matched words marked; ranges are [start, end) offsets from the API. */
function HighlightedText({ text, ranges }: { text: string; ranges: MessageDto['highlights'] }) {
  if (!ranges || ranges.length === 0) return <>{text}</>;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const { start, end } of ranges) {
    if (start < at || end > text.length || end <= start) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(
      <mark key={start} data-testid="search-highlight">
        {text.slice(start, end)}
      </mark>,
    );
    at = end;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

function MessagesTable({ items, isSearch }: { items: MessageDto[]; isSearch: boolean }) {
  return (
    <DataTable
      caption={isSearch ? 'Messages, best match first' : 'Messages, newest first'}
      columns={['Time', 'Direction', 'Contact', 'Text', 'Status']}
      testId="messages-table"
      cardsOnPhone
    >
      {items.map((m) => (
        <tr key={m.id} data-testid="message-row" data-direction={m.direction}>
          <td className="nowrap" data-label="Time">
            <LocalTime iso={m.createdAt} />
          </td>
          <td data-label="Direction">
            {m.direction === 'IN' ? 'In' : 'Out'}
            {m.sentBy && (
              <div className="small muted" data-testid="message-sent-by">
                {sentByText(m.sentBy)}
              </div>
            )}
          </td>
          <td className="nowrap mono" data-label="Contact">
            {m.direction === 'IN' ? m.from : m.to}
          </td>
          <td className="text" data-label="Text">
            {m.type !== 'TEXT' && (
              <span className="badge" data-testid="message-type">
                {MESSAGE_TYPE_LABELS[m.type]}
              </span>
            )}{' '}
            {isContentRemoved(m) ? (
              <RemovedContent />
            ) : (
              <HighlightedText text={m.body} ranges={m.highlights} />
            )}{' '}
            <MessageChanges message={m} />
          </td>
          <td data-label="Status">
            <StatusBadge value={m.status} />
            {m.error && <div className="small muted">{m.error}</div>}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
