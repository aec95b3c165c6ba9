// Small pieces the pages share.
import { Fragment } from 'react';

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
  '&#x2F;': '/',
};
const unescape = (text: string) => text.replace(/&(?:amp|lt|gt|quot|#39|#x27|#x2F);/g, (e) => ENTITIES[e] ?? e);

/**
 * A search fragment (HTML-escaped text with <em> around matches) as React text and <mark>s:
 * nothing the server sends is ever parsed as HTML.
 */
export function Highlighted({ html }: { html: string }) {
  const parts = html.split(/(<em>.*?<\/em>)/g);
  return (
    <>
      {parts.map((part, i) =>
        part.startsWith('<em>') ? <mark key={i}>{unescape(part.slice(4, -5))}</mark> : <Fragment key={i}>{unescape(part)}</Fragment>,
      )}
    </>
  );
}

export function ErrorText({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {error}
    </p>
  );
}

export const kindClass = (kind: string): string => `kind kind-${kind.toLowerCase()}`;
