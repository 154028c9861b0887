// Pieces of the filter forms: `<option>`s for a list of values, a labelled select, the time range
// select (with From/To for a custom range) and the Apply / Reset buttons.
import type { SelectHTMLAttributes } from "react";
import { RANGE_PRESETS } from "../format.ts";

type OnChange = (e: { target: { value: string } }) => void;
export type OptionItems = ReadonlyArray<string | { value: string; label: string }>;

/** One `<option>` per item: a plain string is both value and label. */
export function Options({ items }: { items: OptionItems }) {
  return items.map((item) => {
    const { value, label } = typeof item === "string" ? { value: item, label: item } : item;
    return (
      <option key={value} value={value}>
        {label}
      </option>
    );
  });
}

/** A form field: a label and a select of `items` (the other props go to the `<select>`). */
export function SelectField({ id, label, items, ...select }: { id: string; label: string; items: OptionItems } & Omit<SelectHTMLAttributes<HTMLSelectElement>, "id" | "children">) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        <Options items={items} />
      </select>
    </div>
  );
}

/** "Time range" (presets, optionally "Any time" first, and "Custom…"); From / To when it is custom. Ids are `<idPrefix>-range` etc. */
export function TimeRangeFields({
  idPrefix,
  f,
  set,
  anyTime = false,
}: {
  idPrefix: string;
  f: { range: string; from: string; to: string };
  set: (k: "range" | "from" | "to") => OnChange;
  anyTime?: boolean;
}) {
  return (
    <>
      <SelectField
        id={`${idPrefix}-range`}
        label="Time range"
        name="range"
        value={f.range}
        onChange={set("range")}
        items={[...(anyTime ? [{ value: "all", label: "Any time" }] : []), ...RANGE_PRESETS, { value: "custom", label: "Custom…" }]}
      />
      {f.range === "custom" && (
        <>
          <div className="field">
            <label htmlFor={`${idPrefix}-from`}>From</label>
            <input id={`${idPrefix}-from`} type="datetime-local" value={f.from} onChange={set("from")} />
          </div>
          <div className="field">
            <label htmlFor={`${idPrefix}-to`}>To</label>
            <input id={`${idPrefix}-to`} type="datetime-local" value={f.to} onChange={set("to")} />
          </div>
        </>
      )}
    </>
  );
}

/** The form's buttons: Apply (submit) and, with `onReset`, Reset. */
export function FilterActions({ onReset }: { onReset?: () => void }) {
  return (
    <div className="field actions">
      <button type="submit" className="primary">
        Apply
      </button>
      {onReset && (
        <button type="button" onClick={onReset}>
          Reset
        </button>
      )}
    </div>
  );
}
