// Reactions: a participant taps a thumb, a heart, a question mark or "speak up"; the projector shows them for a
// moment and the console counts them per question. The server only counts taps and sends the counts once a second.

export const REACTIONS = [
  { kind: 'like', symbol: '👍', label: 'reaction_like' },
  { kind: 'heart', symbol: '❤️', label: 'reaction_heart' },
  { kind: 'question', symbol: '❓', label: 'reaction_question' },
  { kind: 'louder', symbol: '🔊', label: 'reaction_louder' },
];

export const symbolOf = (kind) => (REACTIONS.find((r) => r.kind === kind) || { symbol: '' }).symbol;
