package assets

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestPinned checks that the embedded script is the version package.json and
// the lock file pin, and that it can sit inside an HTML <script> element.
func TestPinned(t *testing.T) {
	for _, name := range []string{"package.json", "node_modules/echarts/package.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Version      string            `json:"version"`
			Dependencies map[string]string `json:"dependencies"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := p.Dependencies["echarts"]
		if name != "package.json" {
			got = p.Version
		}
		if got != EChartsVersion {
			t.Errorf("%s: echarts %q, want %q (EChartsVersion)", name, got, EChartsVersion)
		}
	}
	js := ECharts()
	if len(js) < 500_000 {
		t.Fatalf("embedded ECharts is only %d bytes", len(js))
	}
	lower := strings.ToLower(js)
	for _, bad := range []string{"</script", "<!--", "<script"} {
		if strings.Contains(lower, bad) {
			t.Errorf("embedded ECharts contains %q: it cannot be inlined as is", bad)
		}
	}
}
