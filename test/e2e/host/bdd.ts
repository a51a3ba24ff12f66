// Typed access to mocha's BDD functions inside the extension host (extension-host test process). Mocha is
// loaded at run time from .ci/vscode/node_modules (not a root dependency), so its globals are reached here
// through globalThis after index.ts has emitted "pre-require"; suites call these while being defined.

export interface TestContext {
  timeout(ms: number): void;
}
type Body = (this: TestContext) => void | Promise<void>;
type SuiteBody = () => void;

interface MochaGlobals {
  describe(title: string, body: SuiteBody): void;
  it(title: string, body: Body): void;
  before(body: Body): void;
  after(body: Body): void;
  beforeEach(body: Body): void;
  afterEach(body: Body): void;
}

function globals(): MochaGlobals {
  const g = globalThis as unknown as Partial<MochaGlobals>;
  if (typeof g.describe !== "function") throw new Error("mocha's BDD interface is not loaded (define suites from index.ts only)");
  return g as MochaGlobals;
}

export const describe = (title: string, body: SuiteBody): void => globals().describe(title, body);
export const it = (title: string, body: Body): void => globals().it(title, body);
export const before = (body: Body): void => globals().before(body);
export const after = (body: Body): void => globals().after(body);
export const beforeEach = (body: Body): void => globals().beforeEach(body);
export const afterEach = (body: Body): void => globals().afterEach(body);
