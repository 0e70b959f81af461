/**
 * The chaincode's stable error codes as a client reads them: the `CODE: `
 * prefix of the chaincode's message, which the peer wraps in its own text and
 * the Gateway returns in its error details (@lotline/domain `findErrorCode`).
 */
import { findErrorCode, type CodedMessage } from '@lotline/domain';

/** The first chaincode error code in `messages` (the peers' details first), or undefined. */
export function chaincodeCodeOf(messages: readonly string[]): CodedMessage | undefined {
  for (const message of messages) {
    const found = findErrorCode(message);
    if (found !== undefined) return found;
  }
  return undefined;
}
