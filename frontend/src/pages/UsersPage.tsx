import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useMe } from "../auth/useMe";
import { usersList } from "../client";
import { errorMessage } from "../ui/errors";
import { AccountRow, type RowNotice } from "../users/AccountRow";
import { AddAccountForm } from "../users/AddAccountForm";
import "../users/users.css";
import { usePageTitle } from "../ui/usePageTitle";

/** Accounts and roles (administrators). */
export function UsersPage() {
  usePageTitle("Users");
  const me = useMe();
  const isAdmin = me.data?.role === "admin";
  const users = useQuery({
    queryKey: ["users"],
    queryFn: async () => (await usersList({ query: { limit: 500 }, throwOnError: true })).data,
    enabled: isAdmin,
  });
  const [notice, setNotice] = useState<RowNotice | null>(null);

  if (me.isPending) {
    return (
      <main>
        <h1>Users</h1>
        <p>Loading…</p>
      </main>
    );
  }
  if (!isAdmin) {
    return (
      <main>
        <h1>Users</h1>
        <p className="banner" role="status">
          Only administrators manage accounts.
        </p>
      </main>
    );
  }
  return (
    <main>
      <h1>Users</h1>
      <p className="hint">
        Viewers see the cameras shared with them; operators also add cameras of their own; administrators see
        and manage everything. The last active administrator cannot lose that role.
      </p>
      <div aria-live="polite">
        {notice?.tone === "ok" && (
          <p className="banner" role="status">
            {notice.text}
          </p>
        )}
      </div>
      {notice?.tone === "error" && (
        <p className="banner error" role="alert">
          {notice.text}
        </p>
      )}
      {users.isPending && <p>Loading accounts…</p>}
      {users.isError && (
        <p className="banner error" role="alert">
          {errorMessage(users.error)}
        </p>
      )}
      {users.data && (
        <>
          <p className="hint">
            {users.data.total} {users.data.total === 1 ? "account" : "accounts"}
          </p>
          <table className="accounts">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Active</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => (
                <AccountRow key={user.id} user={user} isMe={user.id === me.data?.id} onNotice={setNotice} />
              ))}
            </tbody>
          </table>
        </>
      )}
      <AddAccountForm onAdded={(text) => setNotice({ tone: "ok", text })} onEdit={() => setNotice(null)} />
    </main>
  );
}
