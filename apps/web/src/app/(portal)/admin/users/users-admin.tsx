'use client';
import { formText } from '@/lib/form.ts';
import { useState } from 'react';
import { callApi, type ApiError } from '@/lib/api-client.ts';
import type { Items, TenantWithWorker } from '@/lib/admin-types.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { MembershipPicker, readMembership } from './membership-picker.tsx';

interface Membership {
  tenantId: string | null;
  tenantSlug: string | null;
  role: string;
}

interface User {
  id: string;
  email: string;
  name: string;
  isActive: boolean;
  memberships: Membership[];
}

const asInput = (ms: Membership[]) => ms.map((m) => ({ tenant: m.tenantSlug, role: m.role }));

export function UsersAdmin() {
  const users = usePoll<Items<User>>('/api/admin/users', 0);
  const tenants = usePoll<Items<TenantWithWorker>>('/api/admin/tenants', 0);
  const [error, setError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();
  const [deleting, setDeleting] = useState<string>();
  const tenantOptions = (tenants.data?.items ?? []).map((t) => ({ slug: t.slug, name: t.name }));

  async function run(call: ReturnType<typeof callApi>, done: string): Promise<boolean> {
    const res = await call;
    if (!res.ok) {
      setError(res.error);
      setNotice(undefined);
      return false;
    }
    setError(undefined);
    setNotice(done);
    await users.refresh();
    return true;
  }

  async function create(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const email = formText(form, 'email');
    const body = {
      email,
      name: formText(form, 'name'),
      password: formText(form, 'password'),
      memberships: [readMembership(form)],
    };
    if (await run(callApi('/api/admin/users', { method: 'POST', body }), `User ${email} created.`))
      formEl.reset();
  }

  const patch = (u: User, body: object, done: string) =>
    run(callApi(`/api/admin/users/${u.id}`, { method: 'PATCH', body }), done);

  return (
    <>
      <ApiErrorNotice error={error ?? users.error} what="change users" />
      {notice && (
        <div className="banner banner-ok" role="status">
          {notice}
        </div>
      )}
      {users.isLoading ? (
        <p aria-busy="true">Loading users…</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Memberships</th>
                <th scope="col">Add membership</th>
                <th scope="col">Account</th>
              </tr>
            </thead>
            <tbody>
              {(users.data?.items ?? []).map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.name}
                    <div className="small muted">{u.email}</div>
                  </td>
                  <td>
                    {u.memberships.length === 0 && (
                      <span className="muted">none: this user sees nothing</span>
                    )}
                    <ul style={{ margin: 0, paddingLeft: '1rem' }}>
                      {u.memberships.map((m, i) => (
                        <li key={`${m.tenantSlug ?? 'platform'}-${m.role}`}>
                          {m.tenantSlug ?? 'platform'} · {m.role}{' '}
                          <button
                            type="button"
                            className="linkish"
                            aria-label={`Remove ${m.role} in ${m.tenantSlug ?? 'platform'} from ${u.email}`}
                            onClick={() =>
                              void patch(
                                u,
                                { memberships: asInput(u.memberships.filter((_, j) => j !== i)) },
                                'Membership removed.',
                              )
                            }
                          >
                            remove
                          </button>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <form
                      className="actions"
                      onSubmit={(e) => {
                        e.preventDefault();
                        const m = readMembership(new FormData(e.currentTarget));
                        void patch(u, { memberships: [...asInput(u.memberships), m] }, 'Membership added.');
                      }}
                    >
                      <MembershipPicker idPrefix={`add-${u.id}`} tenants={tenantOptions} />
                      <button type="submit" className="secondary">
                        Add
                      </button>
                    </form>
                  </td>
                  <td>
                    <div className="actions">
                      <button
                        type="button"
                        className="secondary"
                        onClick={() =>
                          void patch(
                            u,
                            { isActive: !u.isActive },
                            u.isActive ? 'User deactivated.' : 'User activated.',
                          )
                        }
                      >
                        {u.isActive ? 'Deactivate' : 'Activate'}
                      </button>
                      {deleting === u.id ? (
                        <span className="confirm">
                          Delete {u.email}?{' '}
                          <button
                            type="button"
                            className="danger"
                            onClick={() =>
                              void run(
                                callApi(`/api/admin/users/${u.id}`, { method: 'DELETE' }),
                                `User ${u.email} deleted.`,
                              ).then(() => setDeleting(undefined))
                            }
                          >
                            Yes, delete
                          </button>{' '}
                          <button type="button" className="secondary" onClick={() => setDeleting(undefined)}>
                            Keep
                          </button>
                        </span>
                      ) : (
                        <button type="button" className="secondary" onClick={() => setDeleting(u.id)}>
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section className="card" aria-labelledby="new-user" style={{ marginTop: '1rem' }}>
        <h2 id="new-user">Create a user</h2>
        <form className="stack" onSubmit={(e) => void create(e)}>
          <div className="field">
            <label htmlFor="new-email">Email</label>
            <input id="new-email" name="email" type="email" required autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="new-name">Name</label>
            <input id="new-name" name="name" required maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor="new-password">Initial password</label>
            <input
              id="new-password"
              name="password"
              type="password"
              required
              minLength={8}
              autoComplete="new-password"
            />
          </div>
          <MembershipPicker idPrefix="new-membership" tenants={tenantOptions} />
          <div className="actions">
            <button type="submit">Create user</button>
          </div>
        </form>
      </section>
    </>
  );
}
