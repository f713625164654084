import type { MessageStatus, MessageType, RouteQuery } from '@wa-fleet/contract';

export interface MessageFilters {
  direction: string;
  status: string;
  /** A message type (TEXT, IMAGE, ...), '' for any. */
  type: string;
  /** yyyy-mm-dd in the viewer's time zone, as the date inputs give it. */
  from: string;
  to: string;
  q: string;
}

/** The message list's filter as the contract types it (the list's page size, cursor and order apart). */
export type MessageFilterQuery = Omit<
  NonNullable<RouteQuery<'GET /portal/tenant/current/logs'>>,
  'limit' | 'cursor' | 'sort'
>;

export const EMPTY_FILTERS: MessageFilters = {
  direction: '',
  status: '',
  type: '',
  from: '',
  to: '',
  q: '',
};

// A record over the contract's union: a status added to the API fails the typecheck until listed here.
const STATUS_OPTIONS: Record<MessageStatus, true> = {
  RECEIVED: true,
  QUEUED: true,
  SENT: true,
  DELIVERED: true,
  READ: true,
  FAILED: true,
};
export const MESSAGE_STATUS_OPTIONS = Object.keys(STATUS_OPTIONS) as MessageStatus[];

/** Each type in words; a record over the contract's union, so a new type must be named here. */
export const MESSAGE_TYPE_LABELS: Record<MessageType, string> = {
  TEXT: 'Text',
  IMAGE: 'Image',
  VIDEO: 'Video',
  AUDIO: 'Audio',
  VOICE: 'Voice note',
  DOCUMENT: 'Document',
  STICKER: 'Sticker',
  LOCATION: 'Location',
  CONTACT: 'Contact card',
  REACTION: 'Reaction',
  UNSUPPORTED: 'Unsupported',
};
export const MESSAGE_TYPE_OPTIONS = Object.keys(MESSAGE_TYPE_LABELS) as MessageType[];

export function hasAnyFilter(f: MessageFilters): boolean {
  return Object.values(f).some((v) => v !== '');
}

/** The filter for the portal's message routes; dates become the whole local day as UTC instants. */
export function toFilterQuery(f: MessageFilters): MessageFilterQuery {
  // The select options are the contract's values; the portal's route validates them again.
  return {
    direction: (f.direction || undefined) as MessageFilterQuery['direction'],
    status: (f.status || undefined) as MessageFilterQuery['status'],
    type: (f.type || undefined) as MessageFilterQuery['type'],
    q: f.q || undefined,
    from: f.from ? new Date(`${f.from}T00:00:00`).toISOString() : undefined,
    to: f.to ? new Date(`${f.to}T23:59:59.999`).toISOString() : undefined,
  };
}

/** The same filter as a query string (the export link, and the key that restarts the list). */
export function toSearch(query: MessageFilterQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, String(value));
  return params.toString();
}
