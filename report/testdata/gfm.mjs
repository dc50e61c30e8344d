// Renders GitHub-flavoured Markdown (tables, raw <details> blocks) from
// stdin to HTML on stdout with the pinned marked package of report/assets
// (installed by `make assets`, npm ci), for the tests of the pull-request
// comment (report/comment_browser_test.go).
import { readFileSync } from 'node:fs';
import { marked } from '../assets/node_modules/marked/lib/marked.esm.js';

process.stdout.write(marked.parse(readFileSync(0, 'utf8'), { gfm: true, async: false }));
