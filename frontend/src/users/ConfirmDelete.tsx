import { useEffect, useId, useRef } from "react";

/** A modal question whose safe answer has the focus first; Escape keeps the account. */
export function ConfirmDelete({
  email,
  onKeep,
  onDelete,
}: {
  email: string;
  onKeep: () => void;
  onDelete: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const keep = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    keep.current?.focus();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onCancel={(event) => {
        event.preventDefault();
        onKeep();
      }}
    >
      <h2 id={`${id}-title`}>Delete {email}?</h2>
      <p id={`${id}-text`}>
        Their cameras (with those cameras' incidents and media) and their alert routes are deleted with the
        account. This cannot be undone; deactivating keeps everything.
      </p>
      <div className="row">
        <button ref={keep} type="button" onClick={onKeep}>
          Keep account
        </button>
        <button type="button" className="bad" onClick={onDelete}>
          Delete account
        </button>
      </div>
    </dialog>
  );
}
