'use client';
import { formText } from '@/lib/form.ts';
import { Field, Options } from '@/components/field.tsx';
import {
  EMPTY_FILTERS,
  MESSAGE_STATUS_OPTIONS,
  MESSAGE_TYPE_LABELS,
  MESSAGE_TYPE_OPTIONS,
  type MessageFilters,
} from './message-filter-state.ts';

export function MessageFiltersForm({
  value,
  onApply,
}: {
  value: MessageFilters;
  onApply: (f: MessageFilters) => void;
}) {
  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    onApply({
      direction: formText(form, 'direction'),
      status: formText(form, 'status'),
      type: formText(form, 'type'),
      from: formText(form, 'from'),
      to: formText(form, 'to'),
      q: formText(form, 'q').trim(),
    });
  }
  // Keyed by the applied value so "Clear" resets the uncontrolled inputs too.
  return (
    <form
      className="filters card"
      onSubmit={submit}
      key={JSON.stringify(value)}
      aria-label="Message filters"
      role="search"
    >
      <Field id="f-direction" label="Direction">
        {(control) => (
          <select {...control} name="direction" defaultValue={value.direction}>
            <option value="">Both</option>
            <option value="IN">Inbound</option>
            <option value="OUT">Outbound</option>
          </select>
        )}
      </Field>
      <Field id="f-status" label="Status">
        {(control) => (
          <select {...control} name="status" defaultValue={value.status}>
            <option value="">Any</option>
            <Options values={MESSAGE_STATUS_OPTIONS} />
          </select>
        )}
      </Field>
      <Field id="f-type" label="Type">
        {(control) => (
          <select {...control} name="type" defaultValue={value.type}>
            <option value="">Any</option>
            {MESSAGE_TYPE_OPTIONS.map((t) => (
              <option key={t} value={t}>
                {MESSAGE_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="f-from" label="From date">
        {(control) => <input {...control} name="from" type="date" defaultValue={value.from} />}
      </Field>
      <Field id="f-to" label="To date">
        {(control) => <input {...control} name="to" type="date" defaultValue={value.to} />}
      </Field>
      <Field id="f-q" label="Search" style={{ flex: '1 1 12rem' }}>
        {(control) => (
          <input
            {...control}
            name="q"
            type="search"
            defaultValue={value.q}
            placeholder="Words (best match first) or a number"
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit">Apply filters</button>
        <button type="button" className="secondary" onClick={() => onApply(EMPTY_FILTERS)}>
          Clear
        </button>
      </div>
    </form>
  );
}
