/** Public surface of @lotline/gateway-api for the CLI and tests. */
export { createServer, type ServerDeps } from './app';
export { createApiServer, type ApiServerOptions } from './http/server';
export { buildDependencies, type Dependencies } from './dependencies';
export { loadApiConfig, ConfigError, LOCAL_AUDIENCE, LOCAL_ISSUER, type ApiConfig } from './config';
export { ApiError, toProblem, type ProblemDocument } from './errors';
export { createTokenVerifier, type TokenVerifier, type TokenSubject } from './auth/jwt';
export { ensureLocalKeys, readLocalSigningKey } from './auth/keys';
export { signLocalToken, type LocalTokenClaims } from './auth/token';
export { cachedWallet, loadWalletIdentity, roleOf, type WalletIdentity } from './identity/wallet';
export { connectIdentity, GatewayPool } from './ledger/connections';
export { CHAINCODE_STATUS, ledgerError, transactionLookupPath } from './ledger/errors';
