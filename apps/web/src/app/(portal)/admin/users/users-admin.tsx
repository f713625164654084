'use client';
import type { MembershipInput, RouteBody, UserDto } from '@wa-fleet/contract';
import { callRoute, type ApiResult } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { useApiAction } from '@/lib/use-api-action.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { DeleteButton } from '@/components/confirm.tsx';
import { DataTable } from '@/components/data-table.tsx';
import { Field } from '@/components/field.tsx';
import { Loading, SuccessNotice } from '@/components/notices.tsx';
import { MembershipPicker, readMembership } from './membership-picker.tsx';

const asInput = (ms: UserDto['memberships']): MembershipInput[] =>
  ms.map((m) => ({ tenant: m.tenantSlug, role: m.role }));

export function UsersAdmin() {
  const users = usePoll('GET /admin/users', {}, 0);
  const tenants = usePoll('GET /admin/tenants', {}, 0);
  const action = useApiAction();
  const tenantOptions = (tenants.data?.items ?? []).map((t) => ({ slug: t.slug, name: t.name }));

  async function run(call: Promise<ApiResult<unknown>>, done: string): Promise<boolean> {
    const res = await action.run(call, done);
    if (res.ok) await users.refresh();
    return res.ok;
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
    if (await run(callRoute('POST /admin/users', { body }), `User ${email} created.`)) formEl.reset();
  }

  const patch = (u: UserDto, body: RouteBody<'PATCH /admin/users/:id'>, done: string) =>
    run(callRoute('PATCH /admin/users/:id', { params: { id: u.id }, body }), done);

  return (
    <>
      <ApiErrorNotice error={action.error ?? users.error} what="change users" />
      <SuccessNotice>{action.notice}</SuccessNotice>
      {users.isLoading ? (
        <Loading text="Loading users…" />
      ) : (
        <DataTable caption="Users" columns={['User', 'Memberships', 'Add membership', 'Account']}>
          {(users.data?.items ?? []).map((u) => (
            <tr key={u.id}>
              <td>
                {u.name}
                <div className="small muted">{u.email}</div>
              </td>
              <td>
                {u.memberships.length === 0 && <span className="muted">none: this user sees nothing</span>}
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
                  aria-label={`Add a membership to ${u.email}`}
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
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Sign ${u.email} out everywhere`}
                    onClick={() =>
                      void run(
                        callRoute('DELETE /admin/users/:id/sessions', { params: { id: u.id } }),
                        `${u.email} is signed out everywhere.`,
                      )
                    }
                  >
                    Sign out everywhere
                  </button>
                  <DeleteButton
                    question={`Delete ${u.email}?`}
                    onDelete={() =>
                      run(
                        callRoute('DELETE /admin/users/:id', { params: { id: u.id } }),
                        `User ${u.email} deleted.`,
                      )
                    }
                  />
                </div>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <section className="card" aria-labelledby="new-user" style={{ marginTop: '1rem' }}>
        <h2 id="new-user">Create a user</h2>
        <form className="stack" onSubmit={(e) => void create(e)}>
          <Field id="new-email" label="Email">
            {(control) => <input {...control} name="email" type="email" required autoComplete="off" />}
          </Field>
          <Field id="new-name" label="Name">
            {(control) => <input {...control} name="name" required maxLength={200} />}
          </Field>
          <Field id="new-password" label="Initial password" hint="At least 8 characters.">
            {(control) => (
              <input
                {...control}
                name="password"
                type="password"
                required
                minLength={8}
                autoComplete="new-password"
              />
            )}
          </Field>
          <MembershipPicker idPrefix="new-membership" tenants={tenantOptions} />
          <div className="actions">
            <button type="submit" disabled={action.isBusy}>
              Create user
            </button>
          </div>
        </form>
      </section>
    </>
  );
}
