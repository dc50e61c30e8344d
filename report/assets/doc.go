// Package assets holds the third-party script that the HTML report
// (report/htmlreport) inlines: the ECharts library, pinned to one exact
// version by package.json and package-lock.json in this folder.
//
// The script is not committed. `make assets` runs `npm ci` here, which puts
// node_modules/echarts/dist/echarts.min.js beside this file, and the Go
// compiler embeds it. Without that step the build fails with
//
//	pattern node_modules/echarts/dist/echarts.min.js: no matching files found
//
// which means: run `make assets` (the build and test targets do it first).
//
// To move to another ECharts version, change the exact version in
// package.json, run `npm install --package-lock-only` and commit both files.
package assets
