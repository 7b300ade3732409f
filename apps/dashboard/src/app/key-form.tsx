import { useState } from 'preact/hooks';

/** Asks for the gateway's API key, saying why (none given, or the one given was refused). */
export function KeyForm({
  message,
  onKey,
}: {
  readonly message: string;
  readonly onKey: (key: string) => void;
}) {
  const [value, setValue] = useState('');
  return (
    <section class="panel key-form" aria-labelledby="key-title">
      <h2 id="key-title">API key</h2>
      <p role="alert" class="error">
        {message}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onKey(value.trim());
        }}
      >
        <input
          type="password"
          name="api-key"
          aria-label="API key"
          autocomplete="off"
          placeholder="one of server.api_keys"
          value={value}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit">Connect</button>
      </form>
      <p class="muted">The key is kept in this tab's session storage only.</p>
    </section>
  );
}
