/**
 * Tokens for the LOCAL network's users, from each organisation's own OpenID
 * provider (client credentials of the user's service client; see
 * network/src/idp/local.ts `mintToken`). A real deployment's scripts use their
 * provider's own client credentials: `lotline login --client-credentials`.
 */
import type { NetworkConfig } from '../../network/src/config';
import { mintToken as mintIdpToken } from '../../network/src/idp/local';
import { EXIT, SetupError } from './cli/exit-codes';

export interface MintRequest {
  org: string;
  user: string;
}

/** An access token for `user` of `org`, issued by that organisation's provider (valid one hour). */
export async function mintToken(config: NetworkConfig, request: MintRequest): Promise<string> {
  try {
    return await mintIdpToken(config, request);
  } catch (err) {
    throw new SetupError(`cannot obtain a token: ${err instanceof Error ? err.message : String(err)}`, EXIT.auth);
  }
}
