package analyze

import (
	"path/filepath"
	"slices"
	"testing"
)

// The internal fixtures that the external tests (cross_test.go, package
// analyze_test: the comparisons and gates of runs built by them) use.
var (
	TestOptions       = testOptions
	WriteChunkFixture = writeChunkFixture
	SteadyOpenRun     = steadyOpenRun
	Near              = near
	Show              = show
	SynthRun          = synthRun
	BenchDir          = benchDir
	PeakRSS           = peakRSS
)

// LoadCapRun loads the capacity fixture (capSteps: capacity 30 users
// under a 150 ms latency SLO).
func LoadCapRun(t *testing.T, name string, slo SLO) *RunData {
	return loadCapRun(t, name, slo, capSteps)
}

// LoadSlowerCapRun is LoadCapRun with latencies of 140-160 ms at 30
// users: half over 150 ms.
func LoadSlowerCapRun(t *testing.T, name string, slo SLO) *RunData {
	worse := slices.Clone(capSteps)
	worse[2].base = 140
	return loadCapRun(t, name, slo, worse)
}

// LoadFlatCapRun loads two steps of flat latency (100 ms at 10 and 20
// users): it holds every level it loaded.
func LoadFlatCapRun(t *testing.T, name string, slo SLO) *RunData {
	return loadCapRun(t, name, slo, []capStep{{users: 10, n: 50, base: 100}, {users: 20, n: 60, base: 100}})
}

// ClosedRun writes a small closed run.
func ClosedRun(t *testing.T) string {
	t.Helper()
	return writeRun(t, filepath.Join(t.TempDir(), "closed.parquet"), testMeta("closed", 10, 20),
		stepReqs(10, []stepSpec{{users: 10, lats: lats(50, 100, 10)}, {users: 20, lats: lats(50, 100, 10)}}))
}
