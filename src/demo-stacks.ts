/** The example project's stacks (`--demo [stack]`), apart from the pipeline so that the CLI can list them cheaply. */
export const DEMO_STACKS = ['prod', 'dev', 'platform'] as const;
