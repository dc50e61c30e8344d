package analyze

import (
	"os"
	"strconv"
	"strings"
)

// peakRSS is the process's peak resident set size in bytes (Linux
// VmHWM), 0 where unknown. It includes DuckDB's memory, which Go's
// allocation counters do not see.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
