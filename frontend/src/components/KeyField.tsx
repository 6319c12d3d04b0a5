// The API key field: for a gateway with keys on whose page gets no token of its own (no
// UI_KEY), or to try another key. The key stays in this tab (sessionStorage); WebSockets
// get short-lived tokens made from it, never the key itself.

import { useState, type FormEvent } from 'react';
import { apiKey, setApiKey } from '../api/auth';

interface Props {
  /** Called after the key changed, so what was loaded with the old one is loaded again. */
  onChange(): void;
}

export function KeyField({ onChange }: Props) {
  const [value, setValue] = useState(apiKey() ?? '');
  const [inUse, setInUse] = useState(apiKey() !== null);

  const use = (e: FormEvent) => {
    e.preventDefault();
    setApiKey(value);
    setInUse(value.trim() !== '');
    onChange();
  };
  const clear = () => {
    setValue('');
    setApiKey(null);
    setInUse(false);
    onChange();
  };

  return (
    <form className="key-field" onSubmit={use} aria-label="API key">
      <label htmlFor="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        placeholder="only if the gateway asks for one"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit">Use key</button>
      {inUse && (
        <button type="button" onClick={clear}>
          Forget key
        </button>
      )}
      <span className="key-note">{inUse ? 'kept in this tab only' : 'none: the page uses its own token when keys are on'}</span>
    </form>
  );
}
