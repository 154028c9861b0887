// Users (admins only): list, add (email, password, role), change a role or set a new password, delete.
// The server refuses to remove or demote the last admin and never returns a password.
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import { type AdminUser, api, type User } from "../api.ts";
import { ErrorAlert, ListTable } from "../components/PageState.tsx";

export function Users({ user }: { user: User }) {
  const ids = { email: useId(), password: useId(), role: useId() };
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [minLength, setMinLength] = useState(8);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [form, setForm] = useState({ email: "", password: "", role: "viewer" as User["role"] });

  const load = useCallback(async () => {
    try {
      const r = await api.users();
      setUsers(r.users);
      setMinLength(r.min_password_length);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    if (user.role === "admin") void load();
  }, [load, user.role]);

  if (user.role !== "admin") return <div className="page readonly-note">Only admins manage users; you are signed in as a viewer.</div>;

  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await what();
      setNotice(done);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await api.createUser(form);
      setForm({ email: "", password: "", role: "viewer" });
    }, `Added ${form.email}.`);
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>Users</h1>
      </div>
      <form className="panel users-form" onSubmit={add} aria-label="Add a user">
        <div className="field">
          <label htmlFor={ids.email}>Email</label>
          <input id={ids.email} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={ids.password}>Password (at least {minLength} characters)</label>
          <input id={ids.password} type="password" required minLength={minLength} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} autoComplete="new-password" />
        </div>
        <div className="field">
          <label htmlFor={ids.role}>Role</label>
          <select id={ids.role} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as User["role"] })}>
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </div>
        <button type="submit" className="primary">
          Add user
        </button>
      </form>
      <ErrorAlert error={error} />
      {notice && <p className="ok-note">{notice}</p>}
      <ListTable testId="users" columns={["Email", "Role", { label: "Actions", srOnly: true }]}>
        <tbody>
          {(users ?? []).map((u) => (
            <tr key={u.id} className="static" data-user={u.email}>
              <td>
                {u.email}
                {u.id === user.id ? <span className="muted small"> (you)</span> : null}
              </td>
              <td>
                <select
                  aria-label={`Role of ${u.email}`}
                  value={u.role}
                  onChange={(e) => void act(() => api.updateUser(u.id, { role: e.target.value as User["role"] }), `${u.email} is now ${e.target.value}.`)}
                >
                  <option value="viewer">viewer</option>
                  <option value="admin">admin</option>
                </select>
              </td>
              <td className="nowrap">
                <button
                  type="button"
                  onClick={() => {
                    const pw = window.prompt(`New password for ${u.email} (at least ${minLength} characters)`);
                    if (pw) void act(() => api.updateUser(u.id, { password: pw }), `Password of ${u.email} changed; their other sessions were signed out.`);
                  }}
                >
                  Set password
                </button>{" "}
                <button
                  type="button"
                  onClick={() => {
                    if (window.confirm(`Delete ${u.email}?`)) void act(() => api.deleteUser(u.id), `Deleted ${u.email}.`);
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </ListTable>
    </div>
  );
}
