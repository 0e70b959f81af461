/** Environment of `npm run test:faults`: its own network on ports shifted by 9000. */
import { networkEnv } from './env';

networkEnv('lotline-faults-', 9000);
