'use client';
import { useId, useState, type ReactNode } from 'react';

/**
 * Asks before something that cannot be taken back. The confirming button takes the focus, so a keyboard
 * user lands on the choice; the question names the dialog for screen readers.
 */
export function ConfirmPanel({
  question,
  confirmLabel,
  isDanger = true,
  onConfirm,
  onCancel,
}: {
  question: ReactNode;
  confirmLabel: string;
  isDanger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const questionId = useId();
  return (
    <div className="confirm" role="alertdialog" aria-labelledby={questionId} style={{ marginTop: '0.5rem' }}>
      <p id={questionId}>{question}</p>
      <div className="actions">
        <button type="button" className={isDanger ? 'danger' : undefined} onClick={onConfirm} autoFocus>
          {confirmLabel}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** A "Delete" button that asks inline first ("Yes, delete" / "Keep"). */
export function DeleteButton({ question, onDelete }: { question: string; onDelete: () => Promise<unknown> }) {
  const [isAsking, setIsAsking] = useState(false);
  if (!isAsking) {
    return (
      <button type="button" className="secondary" onClick={() => setIsAsking(true)}>
        Delete
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      {question}{' '}
      <button
        type="button"
        className="danger"
        autoFocus
        onClick={() => {
          setIsAsking(false);
          void onDelete();
        }}
      >
        Yes, delete
      </button>{' '}
      <button type="button" className="secondary" onClick={() => setIsAsking(false)}>
        Keep
      </button>
    </span>
  );
}
