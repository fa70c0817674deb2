import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { type Role, type UserRead, usersUsersDeleteUser, usersUsersPatchUser } from "../client";
import { formatTime } from "../incidents/format";
import { type AccountAction, accountActionError, ROLES, roleLabel } from "./accounts";
import { ConfirmDelete } from "./ConfirmDelete";

export interface RowNotice {
  tone: "ok" | "error";
  text: string;
}

type Change = { action: "role"; role: Role } | { action: "activate" | "deactivate" } | { action: "delete" };

/** One account: its role (a select), active or not, and deletion behind a confirmation. */
export function AccountRow({
  user,
  isMe,
  onNotice,
}: {
  user: UserRead;
  isMe: boolean;
  onNotice: (notice: RowNotice) => void;
}) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const active = user.is_active !== false;
  const change = useMutation({
    mutationFn: async (c: Change) => {
      if (c.action === "delete") {
        await usersUsersDeleteUser({ path: { id: user.id }, throwOnError: true });
        return;
      }
      const body = c.action === "role" ? { role: c.role } : { is_active: c.action === "activate" };
      await usersUsersPatchUser({ path: { id: user.id }, body, throwOnError: true });
    },
    onSuccess: async (_data, c) => {
      const done: Record<AccountAction, string> = {
        role: `${user.email} is now ${c.action === "role" ? roleLabel(c.role) : ""}.`,
        activate: `${user.email} is active again: they can log in.`,
        deactivate: `${user.email} is deactivated: they can no longer log in.`,
        delete: `${user.email} was deleted.`,
      };
      onNotice({ tone: "ok", text: done[c.action] });
      await queryClient.invalidateQueries({ queryKey: ["users"] });
      if (isMe) await queryClient.invalidateQueries({ queryKey: ["me"] });
    },
    onError: (error, c) =>
      onNotice({ tone: "error", text: `${user.email}: ${accountActionError(c.action, error)}` }),
  });
  const pendingRole = change.isPending && change.variables.action === "role" ? change.variables.role : null;

  return (
    <tr data-user={user.email}>
      <td data-label="Email" className="account-email">
        {user.email}
        {isMe && <span className="hint"> (you)</span>}
      </td>
      <td data-label="Role">
        <select
          aria-label={`Role of ${user.email}`}
          value={pendingRole ?? user.role}
          disabled={change.isPending}
          onChange={(e) => change.mutate({ action: "role", role: e.target.value as Role })}
        >
          {ROLES.map((r) => (
            <option key={r.role} value={r.role}>
              {r.label}
            </option>
          ))}
        </select>
      </td>
      <td data-label="Active">
        <span className={`badge ${active ? "ok" : "idle"}`}>{active ? "active" : "inactive"}</span>
      </td>
      <td data-label="Created">{formatTime(user.created_at)}</td>
      <td data-label="Actions" className="account-actions">
        <div className="row">
          <button
            type="button"
            disabled={change.isPending}
            aria-label={`${active ? "Deactivate" : "Activate"} ${user.email}`}
            onClick={() => change.mutate({ action: active ? "deactivate" : "activate" })}
          >
            {active ? "Deactivate" : "Activate"}
          </button>
          <button
            type="button"
            className="bad"
            disabled={change.isPending}
            aria-label={`Delete ${user.email}`}
            onClick={() => setConfirming(true)}
          >
            Delete
          </button>
          {confirming && (
            <ConfirmDelete
              email={user.email}
              onKeep={() => setConfirming(false)}
              onDelete={() => {
                setConfirming(false);
                change.mutate({ action: "delete" });
              }}
            />
          )}
        </div>
      </td>
    </tr>
  );
}
