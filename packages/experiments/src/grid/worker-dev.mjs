// Development entry of a pool worker (source .ts under tsx): registers tsx in this thread, then loads the worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
