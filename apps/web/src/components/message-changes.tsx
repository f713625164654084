import type { MessageDto } from '@wa-fleet/contract';
import { LocalTime } from '@/components/local-time.tsx';
import { formatDateTimeZone } from '@/lib/format.ts';

/** Deleted for everyone and its content removed (DELETED_MESSAGE_CONTENT=remove): nothing left to show. */
export function isContentRemoved(m: MessageDto): boolean {
  return m.deletedAt !== null && m.body === '' && m.edits.length === 0 && !m.meta.caption;
}

/**
 * What the sender changed after sending: "Deleted" (deleted for everyone) and "edited", whose earlier
 * texts open as a list with the time each was replaced.
 */
export function MessageChanges({ message: m }: { message: MessageDto }) {
  if (!m.deletedAt && !m.editedAt) return null;
  return (
    <span className="message-changes">
      {m.deletedAt && (
        <span
          className="badge badge-bad"
          data-testid="message-deleted"
          title={`Deleted for everyone by the sender, ${formatDateTimeZone(m.deletedAt)}`}
        >
          Deleted
        </span>
      )}
      {m.editedAt && (
        <details className="message-edits" data-testid="message-edited">
          <summary title={`Last edited ${formatDateTimeZone(m.editedAt)}`}>edited</summary>
          <ol aria-label="Earlier texts">
            {m.edits.map((e) => (
              <li key={e.editedAt} data-testid="message-edit">
                <span className="text">{e.previousBody}</span>{' '}
                <span className="small muted">
                  (replaced <LocalTime iso={e.editedAt} />)
                </span>
              </li>
            ))}
          </ol>
        </details>
      )}
    </span>
  );
}

/** In place of the text of a message deleted for everyone whose content was not kept. */
export function RemovedContent() {
  return (
    <p className="text muted" data-testid="message-removed">
      <em>This message was deleted by its sender.</em>
    </p>
  );
}
