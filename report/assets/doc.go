// Package assets holds the third-party script that the HTML report
// (report/htmlreport) inlines: the ECharts library, pinned to one exact
// version by package.json and package-lock.json in this folder.
//
// The minified script, echarts.min.js, is committed, so `go build ./...`
// and `go install ./cmd/...` work in a fresh clone without npm. It is the
// file node_modules/echarts/dist/echarts.min.js of the pinned package, and
// echarts.min.js.json records its sha256 and the lock entry (version and
// npm tarball integrity) it was copied from. The tests check the file
// against that manifest, the manifest against the lock, and, when
// node_modules is present (always under CI), the file against the
// package byte for byte.
//
// `make assets` refreshes both files: `npm ci` (which verifies the
// tarball against the lock's integrity), a copy, and the manifest. To move
// to another ECharts version, change the exact version in package.json and
// EChartsVersion, run `npm install --package-lock-only`, then `make
// assets`, and commit the four files.
//
// package.json also pins, as a development dependency that nothing ships,
// the GitHub-flavoured Markdown renderer marked: the report tests render
// the pull-request comment with it and lay it out in Chromium
// (report/testdata/gfm.mjs).
//
// Imports (of ours): nothing.
package assets
