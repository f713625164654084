export interface MessageFilters {
  direction: string;
  status: string;
  /** yyyy-mm-dd in the viewer's time zone, as the date inputs give it. */
  from: string;
  to: string;
  q: string;
}

export const EMPTY_FILTERS: MessageFilters = { direction: '', status: '', from: '', to: '', q: '' };

export const MESSAGE_STATUS_OPTIONS = ['RECEIVED', 'QUEUED', 'SENT', 'DELIVERED', 'READ', 'FAILED'] as const;

export function hasAnyFilter(f: MessageFilters): boolean {
  return Object.values(f).some((v) => v !== '');
}

/** Query string for the portal's message routes; dates become the whole local day as UTC instants. */
export function toFilterQuery(f: MessageFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (f.direction) params.set('direction', f.direction);
  if (f.status) params.set('status', f.status);
  if (f.q) params.set('q', f.q);
  if (f.from) params.set('from', new Date(`${f.from}T00:00:00`).toISOString());
  if (f.to) params.set('to', new Date(`${f.to}T23:59:59.999`).toISOString());
  return params;
}
