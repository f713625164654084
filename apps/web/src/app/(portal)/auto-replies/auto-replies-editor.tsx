'use client';
import { useState } from 'react';
import { callApi, type ApiError } from '@/lib/api-client.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { RuleForm, type AutoReplyRule, type RuleInput } from './rule-form.tsx';

function readRules(data: unknown): AutoReplyRule[] {
  if (Array.isArray(data)) return data as AutoReplyRule[];
  const items = data as { items?: unknown; rules?: unknown } | undefined;
  const list = items?.items ?? items?.rules;
  return Array.isArray(list) ? (list as AutoReplyRule[]) : [];
}

export function AutoRepliesEditor() {
  const rules = usePoll<unknown>('/api/tenant/auto-replies', 0);
  const [error, setError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();
  const [editingId, setEditingId] = useState<string>();
  const [deletingId, setDeletingId] = useState<string>();

  async function run(call: Promise<Awaited<ReturnType<typeof callApi>>>, done: string): Promise<boolean> {
    const res = await call;
    if (!res.ok) {
      setError(res.error);
      setNotice(undefined);
      return false;
    }
    setError(undefined);
    setNotice(done);
    await rules.refresh();
    return true;
  }

  const create = (input: RuleInput) =>
    run(callApi('/api/tenant/auto-replies', { method: 'POST', body: input }), `Rule "${input.name}" added.`);
  const update = async (id: string, input: Partial<RuleInput>) => {
    const isDone = await run(
      callApi(`/api/tenant/auto-replies/${id}`, { method: 'PATCH', body: input }),
      'Rule saved.',
    );
    if (isDone) setEditingId(undefined);
    return isDone;
  };
  const remove = async (id: string) => {
    setDeletingId(undefined);
    await run(callApi(`/api/tenant/auto-replies/${id}`, { method: 'DELETE' }), 'Rule deleted.');
  };

  const list = readRules(rules.data)
    .slice()
    .sort((a, b) => a.priority - b.priority);
  return (
    <>
      <ApiErrorNotice error={error ?? rules.error} what="save the rule" />
      {notice && (
        <div className="banner banner-ok" role="status">
          {notice}
        </div>
      )}
      <h2>Rules</h2>
      {rules.isLoading ? (
        <p aria-busy="true">Loading…</p>
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
                  {deletingId === rule.id ? (
                    <span className="confirm">
                      Delete this rule?{' '}
                      <button type="button" className="danger" onClick={() => void remove(rule.id)}>
                        Yes, delete
                      </button>{' '}
                      <button type="button" className="secondary" onClick={() => setDeletingId(undefined)}>
                        Keep
                      </button>
                    </span>
                  ) : (
                    <button type="button" className="secondary" onClick={() => setDeletingId(rule.id)}>
                      Delete
                    </button>
                  )}
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
