/**
 * A field that differs between what AWS holds and what ecsctl would set, in the words `up --dry-run`
 * prints ("image nginx:1.26 → nginx:1.27") and the ensure steps report. Declared once, so a plan
 * line and the change a converging step reports are the same text.
 */
export interface FieldChange {
  readonly field: string;
  /** What AWS holds now ("none" when the field is unset). */
  readonly old: string;
  /** What ecsctl would set ("none" when it would unset it). */
  readonly new: string;
}

/** How a value reads in a change: lists joined by ", ", missing as "none". */
export function shown(value: unknown): string {
  if (value === undefined || value === null || value === '') return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(shown).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The change of one field, or nothing when old and new read the same. */
export function fieldChange(field: string, old: unknown, wanted: unknown): FieldChange[] {
  const o = shown(old);
  const n = shown(wanted);
  return o === n ? [] : [{ field, old: o, new: n }];
}

/** "desired count 10 → 4". */
export const describeChange = (c: FieldChange): string => `${c.field} ${c.old} → ${c.new}`;
