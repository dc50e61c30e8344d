package assets

import _ "embed"

// echartsJS is the minified ECharts library, committed from the pinned npm package (`make assets` refreshes it).
//
//go:embed echarts.min.js
var echartsJS string

// EChartsVersion is the ECharts version pinned in package.json.
const EChartsVersion = "5.6.0"

// ECharts returns the pinned, minified ECharts script.
func ECharts() string { return echartsJS }
