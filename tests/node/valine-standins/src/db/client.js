// Stand-in for Valine's src/db/client.js: the contract tests use the pg data layer (setDb),
// so getPrisma() must never be reached.
export function getPrisma() {
  throw new Error('getPrisma() is not available in the scratch project; the tests set a pg db');
}
