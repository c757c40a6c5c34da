/**
 * The signed-in user of the contract tests: the `x-specc-test-user` header.
 *
 * The generated vitest files put this module in place of the repository's
 * src/handlers/auth.js (vi.mock), and the local server (offline.js) does
 * the same with a module hook (auth-hooks.js), so a test signs in the same
 * way whether it calls a handler or sends an HTTP request.  It trusts the
 * header blindly: it must never be deployed.
 */

export const TEST_USER_HEADER = 'x-specc-test-user';

export function getUserFromEvent(event) {
  return event?.headers?.[TEST_USER_HEADER] ?? null;
}
