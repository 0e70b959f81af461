/**
 * One organisation's local OpenID provider as a process:
 *
 *   node --require tsx/cjs network/src/idp/main.ts <org's idp folder>
 *
 * It reads only that folder ({@link readIdpFolder}) and listens where
 * `provider.json` says: HTTPS when it names a certificate (the network's
 * `apiTls`), else plain HTTP. `npm start` runs one per organisation, beside its API.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createIdentityProvider } from './provider';
import { readIdpFolder } from './files';

function main(): void {
  const dir = process.argv[2] ?? process.env.LOTLINE_IDP_DIR;
  if (!dir) throw new Error('usage: main.ts <idp folder> (or LOTLINE_IDP_DIR): the folder that npm start writes under orgs/<org>/idp');
  const { settings, host, port, tls } = readIdpFolder(dir);
  const idp = createIdentityProvider(settings);
  idp.provider.on('server_error', (_ctx, error) => process.stderr.write(`server_error: ${error.stack ?? String(error)}\n`));
  const handle = (req: IncomingMessage, res: ServerResponse): void => idp.handle(req, res);
  const server =
    tls === undefined
      ? createServer(handle)
      : createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handle);
  server.listen(port, host, () =>
    process.stdout.write(`${settings.orgName} OpenID provider: ${settings.issuer} (listening on ${host}:${port})\n`),
  );
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
