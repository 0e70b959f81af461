/** Environment of `npm run test:fuzz`: its own network on ports shifted by 8000. */
import { networkEnv } from './env';

networkEnv('lotline-fuzz-', 8000);
