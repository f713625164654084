'use client';
import { formText } from '@/lib/form.ts';
import { MESSAGE_STATUS_OPTIONS } from './message-filter-state.ts';
import type { MessageFilters } from './message-filter-state.ts';

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
      <div className="field">
        <label htmlFor="f-direction">Direction</label>
        <select id="f-direction" name="direction" defaultValue={value.direction}>
          <option value="">Both</option>
          <option value="IN">Inbound</option>
          <option value="OUT">Outbound</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-status">Status</label>
        <select id="f-status" name="status" defaultValue={value.status}>
          <option value="">Any</option>
          {MESSAGE_STATUS_OPTIONS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-from">From date</label>
        <input id="f-from" name="from" type="date" defaultValue={value.from} />
      </div>
      <div className="field">
        <label htmlFor="f-to">To date</label>
        <input id="f-to" name="to" type="date" defaultValue={value.to} />
      </div>
      <div className="field" style={{ flex: '1 1 12rem' }}>
        <label htmlFor="f-q">Text contains</label>
        <input
          id="f-q"
          name="q"
          type="search"
          defaultValue={value.q}
          placeholder="Search message text or number"
        />
      </div>
      <div className="actions">
        <button type="submit">Apply filters</button>
        <button
          type="button"
          className="secondary"
          onClick={() => onApply({ direction: '', status: '', from: '', to: '', q: '' })}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
