export { formatGoFloat } from './go-float.js';
export { goQuote } from './go-quote.js';
export { isGoPrintable } from './go-printable.js';
export { formatGoDurationMs, formatGoUnixSecondsUTC } from './go-time.js';
export { formatBase2Bytes } from './go-units.js';
export { formatLabels } from './labels.js';
export { tabwriterFormat, type TabwriterOptions } from './tabwriter.js';
