// tsc copies no assets: put the Lua scripts beside the compiled store code,
// where src/store/scripts.ts loads them from.
import { cpSync } from 'node:fs';

cpSync('src/store/scripts', 'dist/src/store/scripts', { recursive: true });
