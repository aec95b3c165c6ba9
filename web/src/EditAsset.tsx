// An editor's changes to one asset: its description and owners, through `upsertAssets` (omitted
// fields keep their value, so nothing else is touched). Shown only to roles that may write assets;
// the server decides anyway and its refusals are shown as they come.
import { type FormEvent, useState } from 'react';
import { failure, gql } from './api';
import { ErrorText } from './ui';

const SAVE = `mutation($input: [AssetInput!]!) { upsertAssets(input: $input) { results { status asset { version } } } }`;

/** "a@x.com, b@x.com" or one per line → the owners, trimmed, empty entries and repeats dropped. */
const ownersOf = (text: string): string[] => [
  ...new Set(
    text
      .split(/[,\n]/)
      .map((o) => o.trim())
      .filter(Boolean),
  ),
];

interface Editable {
  qualifiedName: string;
  kind: string;
  description: string | null;
  owners: string[];
}

export function EditAsset({ asset, onDone }: { asset: Editable; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [description, setDescription] = useState('');
  const [owners, setOwners] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  // The form starts from the asset as it is when opened (the page may have been updated live since).
  const start = () => {
    setDescription(asset.description ?? '');
    setOwners(asset.owners.join(', '));
    setError(null);
    setOpen(true);
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const text = description.trim();
      await gql(SAVE, {
        input: [{ qualifiedName: asset.qualifiedName, kind: asset.kind, description: text === '' ? null : text, owners: ownersOf(owners) }],
      });
      setOpen(false);
      onDone();
    } catch (err) {
      setError(failure(err));
    } finally {
      setSaving(false);
    }
  };

  if (!open)
    return (
      <button type="button" onClick={start}>
        Edit description and owners
      </button>
    );
  return (
    <form className="editor" onSubmit={(e) => void save(e)} aria-label="Edit asset">
      <label>
        Description
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} />
      </label>
      <label>
        Owners <span className="muted">(comma separated)</span>
        <input value={owners} onChange={(e) => setOwners(e.target.value)} />
      </label>
      <div>
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>{' '}
        <button type="button" onClick={() => setOpen(false)} disabled={saving}>
          Cancel
        </button>
      </div>
      <ErrorText error={error} />
    </form>
  );
}
