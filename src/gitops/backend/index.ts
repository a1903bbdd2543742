export { readsFromWritesTo, type CommitInput, type GitBackend } from './contract';
export { apiGitBackend } from './api';
export { localGitBackend } from './local-git';
