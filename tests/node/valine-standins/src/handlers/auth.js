// Stand-in for Valine's src/handlers/auth.js: the contract tests vi.mock this module.
export function getUserFromEvent() {
  throw new Error('the stand-in getUserFromEvent is always mocked by the tests');
}
