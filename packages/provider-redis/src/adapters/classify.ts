import { type ErrorClass, isUnavailableReply } from '../commands.js';

const REPLY_CLASSES = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);

/** Error replies (the server answered) versus failures to reach the server, for both libraries. */
export function classifyError(error: unknown): ErrorClass {
  if (!(error instanceof Error)) return 'connection';
  const isReply = REPLY_CLASSES.has(error.name) || REPLY_CLASSES.has(error.constructor.name);
  if (!isReply) return 'connection';
  return isUnavailableReply(error.message) ? 'connection' : 'reply';
}
