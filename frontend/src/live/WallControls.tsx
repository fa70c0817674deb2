import { type FormEvent, useId, useState } from "react";
import type { CameraPublic } from "../client";
import { Checkboxes } from "../ui/EveryOrOnly";
import {
  type CameraGroup,
  groupProblem,
  LAYOUT_NAMES,
  LAYOUTS,
  type Layout,
  MAX_GROUP_NAME,
  type WallPrefs,
  withGroup,
  withoutGroup,
} from "./layouts";

interface Props {
  prefs: WallPrefs;
  onChange: (next: WallPrefs) => void;
  cameras: readonly CameraPublic[];
}

/** The wall's layout switch, the group shown, the large camera of the focus layout and the group editor. */
export function WallControls({ prefs, onChange, cameras }: Props) {
  const id = useId();
  return (
    <div className="wall-controls">
      <fieldset className="segmented">
        <legend>Layout</legend>
        {LAYOUTS.map((layout) => (
          <label key={layout}>
            <input
              type="radio"
              name={`${id}-layout`}
              value={layout}
              checked={prefs.layout === layout}
              onChange={() => onChange({ ...prefs, layout: layout as Layout })}
            />
            <span>{LAYOUT_NAMES[layout]}</span>
          </label>
        ))}
      </fieldset>
      {prefs.groups.length > 0 && (
        <label className="wall-select">
          Cameras shown
          <select
            value={prefs.group ?? ""}
            onChange={(e) => onChange({ ...prefs, group: e.target.value || null })}
          >
            <option value="">All cameras</option>
            {prefs.groups.map((g) => (
              <option key={g.name} value={g.name}>
                {g.name} ({g.cameraIds.length})
              </option>
            ))}
          </select>
        </label>
      )}
      <GroupEditor prefs={prefs} onChange={onChange} cameras={cameras} />
    </div>
  );
}

function GroupEditor({ prefs, onChange, cameras }: Props) {
  const id = useId();
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<number[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // A message answers the last submit: any edit after it makes it stale.
  const edited = () => {
    setProblem(null);
    setSaved(null);
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const why = groupProblem(name, chosen);
    setProblem(why);
    setSaved(null);
    if (why !== null) return;
    const trimmed = name.trim();
    onChange({ ...prefs, groups: withGroup(prefs.groups, trimmed, chosen), group: trimmed });
    setSaved(trimmed);
    setName("");
    setChosen([]);
  }

  function edit(group: CameraGroup) {
    edited();
    setName(group.name);
    setChosen(group.cameraIds);
  }

  return (
    <details className="group-editor">
      <summary>Camera groups</summary>
      <p className="hint">Groups are kept in this browser for your account.</p>
      {prefs.groups.length > 0 && (
        <ul className="group-list">
          {prefs.groups.map((g) => (
            <li key={g.name}>
              <span className="group-name">
                {g.name}{" "}
                <span className="hint">
                  ({g.cameraIds.length} camera{g.cameraIds.length === 1 ? "" : "s"})
                </span>
              </span>
              <button type="button" className="secondary" onClick={() => edit(g)}>
                Edit<span className="visually-hidden"> {g.name}</span>
              </button>
              <button
                type="button"
                className="bad"
                onClick={() => {
                  edited();
                  onChange(withoutGroup(prefs, g.name));
                }}
              >
                Delete<span className="visually-hidden"> {g.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="stack" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
        <h2 id={`${id}-title`} className="h3">
          Save a group
        </h2>
        <label>
          Group name
          <input
            value={name}
            maxLength={MAX_GROUP_NAME}
            aria-invalid={problem !== null && name.trim() === "" ? true : undefined}
            onChange={(e) => {
              edited();
              setName(e.target.value);
            }}
          />
        </label>
        <fieldset className="group-cameras">
          <legend>Cameras in the group</legend>
          <Checkboxes
            choices={cameras.map((camera) => ({ value: camera.id, label: camera.name }))}
            chosen={chosen}
            onChange={(next) => {
              edited();
              setChosen(next);
            }}
          />
        </fieldset>
        {problem && (
          <p className="banner error" role="alert">
            {problem}
          </p>
        )}
        {saved && (
          <p className="banner" role="status">
            Group {saved} saved and shown.
          </p>
        )}
        <div className="row">
          <button type="submit">Save group</button>
        </div>
      </form>
    </details>
  );
}
