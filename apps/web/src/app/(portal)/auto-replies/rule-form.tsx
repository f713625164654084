'use client';
import type { ReplyMatchType, RuleDto, RuleInput } from '@wa-fleet/contract';
import { formText } from '@/lib/form.ts';
import { Field } from '@/components/field.tsx';

const MATCH_HINTS: Record<ReplyMatchType, string> = {
  EXACT: 'the whole message equals the pattern (case-insensitive)',
  CONTAINS: 'the message contains the pattern (case-insensitive)',
  REGEX: 'the message matches the regular expression',
  DEFAULT: 'nothing else matched (pattern ignored)',
};

/** Create and edit share one form; `idPrefix` keeps label ids unique when several are open. */
export function RuleForm({
  initial,
  idPrefix,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial?: RuleDto;
  idPrefix: string;
  submitLabel: string;
  onSubmit: (input: RuleInput) => Promise<boolean>;
  onCancel?: () => void;
}) {
  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const isDone = await onSubmit({
      name: formText(form, 'name'),
      matchType: formText(form, 'matchType', 'CONTAINS') as ReplyMatchType,
      pattern: formText(form, 'pattern'),
      reply: formText(form, 'reply'),
      priority: Number(form.get('priority') ?? 100),
      isEnabled: form.get('isEnabled') === 'on',
    });
    if (isDone && !initial) formEl.reset();
  }
  const id = (name: string) => `${idPrefix}-${name}`;
  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <Field id={id('name')} label="Name">
        {(control) => (
          <input {...control} name="name" required maxLength={200} defaultValue={initial?.name} />
        )}
      </Field>
      <Field id={id('matchType')} label="Match when">
        {(control) => (
          <select {...control} name="matchType" defaultValue={initial?.matchType ?? 'CONTAINS'}>
            {Object.entries(MATCH_HINTS).map(([value, hint]) => (
              <option key={value} value={value}>
                {value}: {hint}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id={id('pattern')} label="Pattern">
        {(control) => <input {...control} name="pattern" maxLength={500} defaultValue={initial?.pattern} />}
      </Field>
      <Field id={id('reply')} label="Reply">
        {(control) => (
          <textarea {...control} name="reply" required maxLength={4096} defaultValue={initial?.reply} />
        )}
      </Field>
      <Field id={id('priority')} label="Priority (lower wins)">
        {(control) => (
          <input
            {...control}
            name="priority"
            type="number"
            min={0}
            max={10000}
            defaultValue={initial?.priority ?? 100}
          />
        )}
      </Field>
      <div>
        <input
          id={id('isEnabled')}
          name="isEnabled"
          type="checkbox"
          defaultChecked={initial?.isEnabled ?? true}
        />{' '}
        <label htmlFor={id('isEnabled')}>Enabled</label>
      </div>
      <div className="actions">
        <button type="submit">{submitLabel}</button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
