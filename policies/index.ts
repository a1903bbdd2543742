import { PolicyPack } from '@pulumi/policy';
import { PACK_NAME } from '../src/policy/config';
import { packContext } from '../src/policy/crossguard';
import { stackfitPolicies } from './policies';
import { keepSecretsMarked } from './secrets';

// Load the catalog once, before serving: a missing or corrupt catalog is a start-up error with
// the file named, never a pack that quietly passes every check.
try {
  packContext();
} catch (err) {
  process.stderr.write(`stackfit policy pack: ${(err as Error).message}\n`);
  process.exit(1);
}

// Secret values stay marked so that no policy prints one (see policies/secrets.ts).
keepSecretsMarked();
new PolicyPack(PACK_NAME, { policies: stackfitPolicies() });
