import type { CSSProperties, ReactNode } from 'react';

export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
}

/**
 * A form control with its label (and hint) tied to it by id. The control is rendered by the caller from
 * the props given, so no control can end up without an accessible name.
 */
export function Field({
  id,
  label,
  hint,
  style,
  children,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  style?: CSSProperties;
  children: (control: ControlProps) => ReactNode;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field" style={style}>
      <label htmlFor={id}>{label}</label>
      {children(hintId ? { id, 'aria-describedby': hintId } : { id })}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

/** One <option> per value, the value as its text (statuses, roles, levels). */
export function Options({ values }: { values: readonly string[] }) {
  return (
    <>
      {values.map((value) => (
        <option key={value} value={value}>
          {value}
        </option>
      ))}
    </>
  );
}
