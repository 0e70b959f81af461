/** `lotline login` and `lotline logout`: sign in at the identity provider that the API trusts. */
import type { Command } from 'commander';
import { oauthErrorText } from '../../../../network/src/idp/local';
import { clientCredentialsSignIn, deviceSignIn, forgetToken, signInConfig, storeToken, tokenFile } from '../../sign-in';
import { certificateFailure, CliContext, cliFetch, resolveApiUrl } from '../context';
import { EXIT, SetupError, UsageError } from '../exit-codes';

interface LoginOptions {
  clientId?: string;
  clientSecret?: string;
  print?: boolean;
}

/** Registers `login` and `logout`. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description(
      "sign in at the organisation's identity provider: the device flow (open the printed address, enter the code), or client credentials for scripts",
    )
    .option('--client-id <id>', 'client credentials: a confidential client of the provider (env LOTLINE_CLIENT_ID)')
    .option('--client-secret <secret>', 'its secret (env LOTLINE_CLIENT_SECRET; prefer the variable, arguments show in ps)')
    .option('--print', 'also print the access token on stdout (export LOTLINE_TOKEN=$(lotline login --print))')
    .addHelpText(
      'after',
      '\nThe API (--org or --api-url) names its provider at GET /auth/config. The token is kept for that API in\n' +
        `${tokenFile()} (mode 0600; LOTLINE_TOKEN_FILE moves it) and used when no --token / LOTLINE_TOKEN is given.`,
    )
    .action(async (o: LoginOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const apiUrl = resolveApiUrl(ctx.options);
      // The API and its provider are verified against the same CA file (--ca-file, LOTLINE_CA_FILE, or the local organisation's).
      const fetchImpl = cliFetch(ctx.options);
      let config;
      try {
        config = await signInConfig(apiUrl, fetchImpl);
      } catch (error) {
        throw certificateFailure(error) ?? new SetupError((error as Error).message, EXIT.unavailable);
      }
      const clientId = o.clientId ?? process.env.LOTLINE_CLIENT_ID;
      const clientSecret = o.clientSecret ?? process.env.LOTLINE_CLIENT_SECRET;
      if ((clientId === undefined) !== (clientSecret === undefined))
        throw new UsageError(
          'client credentials need both --client-id and --client-secret (or LOTLINE_CLIENT_ID and LOTLINE_CLIENT_SECRET)',
        );
      let token;
      try {
        token =
          clientId !== undefined && clientSecret !== undefined
            ? await clientCredentialsSignIn(config, clientId, clientSecret, fetchImpl)
            : await deviceSignIn(
                config,
                (p) => {
                  process.stderr.write(
                    `To sign in to ${config.org} (${config.mspId}), open\n  ${p.verificationUriComplete ?? p.verificationUri}\n` +
                      `and confirm the code ${p.userCode} (or open ${p.verificationUri} and enter it).\n` +
                      `Waiting for you to sign in (the code expires in ${Math.round(p.expiresInSeconds / 60)} minutes)…\n`,
                  );
                },
                { fetch: fetchImpl },
              );
      } catch (error) {
        throw certificateFailure(error) ?? new SetupError(`sign-in at ${config.issuer} failed: ${oauthErrorText(error)}`, EXIT.auth);
      }
      storeToken(apiUrl, token);
      const claims = JSON.parse(Buffer.from(token.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as {
        sub?: string;
      };
      if (o.print) process.stdout.write(`${token.accessToken}\n`);
      else
        ctx.print(
          { signedIn: true, user: claims.sub, org: config.org, expiresAt: new Date(token.expiresAt).toISOString() },
          () => `Signed in to ${config.org} as ${claims.sub ?? '?'} until ${new Date(token.expiresAt).toISOString()}.`,
        );
    });
  program
    .command('logout')
    .description('forget the token kept for this API')
    .action((_o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const apiUrl = resolveApiUrl(ctx.options);
      const had = forgetToken(apiUrl);
      ctx.print({ signedOut: had }, () => (had ? `Signed out of ${apiUrl}.` : `No token was kept for ${apiUrl}.`));
    });
}
