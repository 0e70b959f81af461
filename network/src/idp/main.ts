/**
 * One organisation's local OpenID provider as a process:
 *
 *   node --require tsx/cjs network/src/idp/main.ts <org's idp folder>
 *
 * It reads only that folder ({@link readIdpFolder}) and listens where
 * `provider.json` says. `npm start` runs one per organisation, beside its API.
 */
import { createServer } from 'node:http';
import { createIdentityProvider } from './provider';
import { readIdpFolder } from './files';

function main(): void {
  const dir = process.argv[2] ?? process.env.LOTLINE_IDP_DIR;
  if (!dir) throw new Error('usage: main.ts <idp folder> (or LOTLINE_IDP_DIR): the folder that npm start writes under orgs/<org>/idp');
  const { settings, host, port } = readIdpFolder(dir);
  const idp = createIdentityProvider(settings);
  idp.provider.on('server_error', (_ctx, error) => process.stderr.write(`server_error: ${error.stack ?? String(error)}\n`));
  const server = createServer((req, res) => idp.handle(req, res));
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
