/** Users: who am I, and registering users with the organisation's Fabric CA (org admins). */
import { ApiError } from '../errors';
import { ApiRouter } from '../http/route';
import type { Role } from '@lotline/domain';
import { bodies } from '../schemas';

/** Registers and enrolls a user with the organisation's CA into the wallet. */
export interface UserRegistrar {
  /** @returns false when the user is already enrolled in the wallet. */
  register(name: string, role: Role): Promise<boolean>;
}

export function userRoutes(api: ApiRouter, registrar: UserRegistrar | undefined): void {
  api.route(
    {
      method: 'get',
      path: '/me',
      operationId: 'whoAmI',
      tag: 'users',
      summary: 'Who the token names',
      success: { status: 200, description: '`{user, mspId, role, subject}`' },
    },
    ({ res, caller }) => {
      res.json({ user: caller.user, mspId: caller.mspId, role: caller.role ?? null, subject: caller.identity.subject });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/users',
      operationId: 'registerUser',
      tag: 'users',
      summary: 'Register a user',
      description:
        "Org admin only. Registers the user with the organisation's Fabric CA with a `role` attribute and enrolls it into the wallet (key file mode 0600).",
      body: bodies.user,
      roles: ['admin'],
      success: { status: 201, description: '`{user, mspId, role}`' },
      errors: [400, 403, 409, 502],
    },
    async ({ res, body, caller }) => {
      if (registrar === undefined) {
        throw new ApiError({
          status: 501,
          code: 'REGISTRATION_UNAVAILABLE',
          title: 'Not implemented',
          detail: 'this instance has no CA registrar configured; register users with your identity provider and CA',
        });
      }
      if (!(await registrar.register(body.name, body.role))) {
        throw new ApiError({
          status: 409,
          code: 'USER_EXISTS',
          title: 'Conflict',
          detail: `${body.name} is already enrolled in ${caller.mspId}`,
        });
      }
      res
        .status(201)
        .location(`/users/${encodeURIComponent(body.name)}`)
        .json({ user: body.name, mspId: caller.mspId, role: body.role });
    },
  );
}
