// The agent's words as they are heard: the text sent so far, each word with a timing lit
// when the audio clock reaches it, words already heard dimmed. The current index is also in
// `data-word-index` for tests.

import { useMemo } from 'react';
import type { WordTiming } from '../realtime/wire';
import { karaokeParts } from '../realtime/words';

interface Props {
  text: string;
  words: readonly WordTiming[];
  index: number;
}

export function Karaoke({ text, words, index }: Props) {
  const parts = useMemo(() => karaokeParts(text, words), [text, words]);
  return (
    <p className="karaoke" data-testid="karaoke" data-word-index={index} data-words={words.length} aria-label="Words of the answer, the one being heard highlighted">
      {text === '' && <span className="muted">The answer appears here as its tokens are sent.</span>}
      {parts.map((p, i) =>
        p.word < 0 ? (
          <span key={i}>{p.text}</span>
        ) : (
          <span key={i} className={p.word === index ? 'word now' : p.word < index ? 'word heard' : 'word'} aria-current={p.word === index ? 'true' : undefined}>
            {p.text}
          </span>
        ),
      )}
    </p>
  );
}
