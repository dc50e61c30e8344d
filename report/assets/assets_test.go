package assets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// manifest is echarts.min.js.json, written by `make assets`: the committed
// file's sha256 and the package-lock entry it was copied from.
type manifest struct {
	File      string `json:"file"`
	Source    string `json:"source"`
	Package   string `json:"package"`
	Version   string `json:"version"`
	Integrity string `json:"integrity"`
	SHA256    string `json:"sha256"`
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// lockEntry is the echarts entry of package-lock.json.
func lockEntry(t *testing.T) (version, integrity string) {
	t.Helper()
	var lock struct {
		Packages map[string]struct {
			Version   string `json:"version"`
			Integrity string `json:"integrity"`
		} `json:"packages"`
	}
	readJSON(t, "package-lock.json", &lock)
	e, ok := lock.Packages["node_modules/echarts"]
	if !ok {
		t.Fatal("package-lock.json has no node_modules/echarts entry")
	}
	return e.Version, e.Integrity
}

// TestCommittedMatchesLock ties the committed script to the pinned npm
// package: (a) the file hashes to the manifest's sha256, (b) the manifest
// was written from the lock's current echarts entry, and (c) when `npm ci`
// has run (it checks the tarball against the lock's integrity), the
// committed file is byte for byte the package's. Under CI (CI set, as .ci/run does)
// node_modules must be there, so (c) always runs in CI (make test runs
// make assets first). `make assets` refreshes the file and the manifest.
func TestCommittedMatchesLock(t *testing.T) {
	var m manifest
	readJSON(t, "echarts.min.js.json", &m)
	file, err := os.ReadFile(m.File)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("sha256", func(t *testing.T) {
		sum := sha256.Sum256(file)
		if got := hex.EncodeToString(sum[:]); got != m.SHA256 {
			t.Errorf("%s has sha256 %s, the manifest says %s: run `make assets`", m.File, got, m.SHA256)
		}
		if ECharts() != string(file) {
			t.Errorf("the embedded script is not %s", m.File)
		}
	})
	t.Run("lock", func(t *testing.T) {
		version, integrity := lockEntry(t)
		if m.Package != "echarts" || m.Version != version || m.Integrity != integrity {
			t.Errorf("manifest is %s %s %s, package-lock.json pins echarts %s %s: run `make assets`",
				m.Package, m.Version, m.Integrity, version, integrity)
		}
		if version != EChartsVersion {
			t.Errorf("package-lock.json pins echarts %s, EChartsVersion is %s", version, EChartsVersion)
		}
	})
	t.Run("node_modules", func(t *testing.T) {
		npm, err := os.ReadFile(m.Source)
		if os.IsNotExist(err) {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing under CI: run `make assets` (npm ci) before the tests", m.Source)
			}
			t.Skipf("%s is missing: run `make assets` (npm ci) to compare the committed file with the package", m.Source)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(npm, file) {
			t.Errorf("%s differs from %s of the pinned package: run `make assets`", m.File, m.Source)
		}
		var p struct {
			Version string `json:"version"`
		}
		readJSON(t, "node_modules/echarts/package.json", &p)
		if p.Version != m.Version {
			t.Errorf("node_modules holds echarts %s, the manifest %s: run `make assets`", p.Version, m.Version)
		}
	})
}

// TestPinned checks that package.json pins the version the lock and
// EChartsVersion name, and that the script can sit inside an HTML <script>
// element.
func TestPinned(t *testing.T) {
	var p struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	readJSON(t, "package.json", &p)
	if got := p.Dependencies["echarts"]; got != EChartsVersion {
		t.Errorf("package.json: echarts %q, want %q (EChartsVersion)", got, EChartsVersion)
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
