/** Public surface of @lotline/gateway-api for the CLI and tests. */
export { createServer, type ServerDeps } from './app';
export { createApiServer, startApiServer, readTlsCredentials, type ApiServerOptions, type TlsCredentials } from './http/server';
export { isLoopbackHost } from './http/loopback';
export { buildDependencies, type Dependencies } from './dependencies';
export { loadApiConfig, ConfigError, startupWarnings, type ApiConfig, type ListenConfig, type TlsFiles } from './config';
export { ApiError, toProblem, type ProblemDocument } from './errors';
export { createTokenVerifier, discoverJwksUri, issuerKeySet, type TokenVerifier, type TokenSubject } from './auth/jwt';
export { cachedWallet, loadWalletIdentity, roleOf, type WalletIdentity } from './identity/wallet';
export { connectIdentity, GatewayPool } from './ledger/connections';
export { CHAINCODE_STATUS, ledgerError, transactionLookupPath } from './ledger/errors';
