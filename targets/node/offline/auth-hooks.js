/**
 * A module resolve hook for offline.js (node:module register): every import
 * of the repository's src/handlers/auth.js resolves to test-auth.js instead,
 * as `vi.mock('../src/handlers/auth.js')` does in the contract tests.
 */

let auth = null;
let replacement = null;

export function initialize(data) {
  ({ auth, replacement } = data);
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url === auth) return { ...resolved, url: replacement, shortCircuit: true };
  return resolved;
}
