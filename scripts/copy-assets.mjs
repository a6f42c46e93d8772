// tsc copies no assets: put the Lua scripts beside the compiled store code,
// where src/store/scripts.ts loads them from, and the web page's HTML and
// CSS beside its compiled script, where src/server/web-ui.ts serves them.
import { cpSync } from 'node:fs';

cpSync('src/store/scripts', 'dist/src/store/scripts', { recursive: true });
for (const file of ['index.html', 'style.css']) cpSync(`web/${file}`, `dist/web/${file}`);
