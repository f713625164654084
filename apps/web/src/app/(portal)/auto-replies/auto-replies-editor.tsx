'use client';
import { useState } from 'react';
import { callRoute, type ApiResult } from '@/lib/api-client.ts';
import { useApiAction } from '@/lib/use-api-action.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { DeleteButton } from '@/components/confirm.tsx';
import { Loading, SuccessNotice } from '@/components/notices.tsx';
import type { RuleInput } from '@wa-fleet/contract';
import { RuleForm } from './rule-form.tsx';

export function AutoRepliesEditor() {
  const rules = usePoll('GET /portal/tenant/current/auto-replies', {}, 0);
  const action = useApiAction();
  const [editingId, setEditingId] = useState<string>();

  async function run(call: Promise<ApiResult<unknown>>, done: string): Promise<boolean> {
    const res = await action.run(call, done);
    if (res.ok) await rules.refresh();
    return res.ok;
  }

  const create = (input: RuleInput) =>
    run(
      callRoute('POST /portal/tenant/current/auto-replies', { body: input }),
      `Rule "${input.name}" added.`,
    );
  const update = async (id: string, input: Partial<RuleInput>) => {
    const isDone = await run(
      callRoute('PATCH /portal/tenant/current/auto-replies/:id', { params: { id }, body: input }),
      'Rule saved.',
    );
    if (isDone) setEditingId(undefined);
    return isDone;
  };
  const remove = (id: string) =>
    run(callRoute('DELETE /portal/tenant/current/auto-replies/:id', { params: { id } }), 'Rule deleted.');

  const list = (rules.data?.items ?? []).slice().sort((a, b) => a.priority - b.priority);
  return (
    <>
      <ApiErrorNotice error={action.error ?? rules.error} what="save the rule" />
      <SuccessNotice>{action.notice}</SuccessNotice>
      <h2>Rules</h2>
      {rules.isLoading ? (
        <Loading />
      ) : list.length === 0 ? (
        <p className="empty">No auto-reply rules yet. Inbound messages get no automatic answer.</p>
      ) : (
        list.map((rule) => (
          <section key={rule.id} className="card" aria-label={`Rule ${rule.name}`}>
            {editingId === rule.id ? (
              <RuleForm
                idPrefix={`edit-${rule.id}`}
                initial={rule}
                submitLabel="Save rule"
                onSubmit={(input) => update(rule.id, input)}
                onCancel={() => setEditingId(undefined)}
              />
            ) : (
              <>
                <strong>{rule.name}</strong>{' '}
                <span className="muted small">
                  priority {rule.priority}
                  {rule.isEnabled ? '' : ' · disabled'}
                </span>
                <p className="small">
                  {rule.matchType}
                  {rule.matchType !== 'DEFAULT' && <code> {rule.pattern}</code>} → {rule.reply}
                </p>
                <div className="actions">
                  <button type="button" className="secondary" onClick={() => setEditingId(rule.id)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => void update(rule.id, { isEnabled: !rule.isEnabled })}
                  >
                    {rule.isEnabled ? 'Disable' : 'Enable'}
                  </button>
                  <DeleteButton question={`Delete the rule ${rule.name}?`} onDelete={() => remove(rule.id)} />
                </div>
              </>
            )}
          </section>
        ))
      )}
      <h2>Add a rule</h2>
      <div className="card">
        <RuleForm idPrefix="new-rule" submitLabel="Add rule" onSubmit={create} />
      </div>
    </>
  );
}
