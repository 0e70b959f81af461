/**
 * Mints a bearer token for the LOCAL network with the network's `mintLocalToken`
 * (network/src/api.ts, which signs with the API's token signer and the ES256 key in
 * `<dataDir>/jwt/`, created on first use). A real deployment gets its tokens from the identity provider.
 */
import type { NetworkConfig } from '../../network/src/config';
import { mintLocalToken } from '../../network/src/api';
import { EXIT, SetupError } from './cli/exit-codes';

export interface MintRequest {
  org: string;
  user: string;
  ttlSeconds?: number;
}

/** A signed JWT for `user` of `org`, valid for `ttlSeconds` (default: the API's, one hour). */
export async function mintToken(config: NetworkConfig, request: MintRequest): Promise<string> {
  try {
    return await mintLocalToken(config, request);
  } catch (err) {
    throw new SetupError(`cannot mint a local token: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
}
