// The question types, by name. Each module exports input(), describe() and results().
import * as choice from './choice.js';
import * as scale from './scale.js';
import * as wordcloud from './wordcloud.js';
import * as open from './open.js';

export const types = { choice, scale, wordcloud, open };
