export { FakeGitHub, type FakeGitHubOptions, type Fault, type FaultKind, type RequestRecord } from './server';
export { ResponseSchemaValidator, GITHUB_OPENAPI_FILE } from './schema';
export { createBareRepo, git, gitOk, isolatedGitEnv, readCommit, type ParsedCommit } from './git';
