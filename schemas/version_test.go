package schemas

import (
	"runtime/debug"
	"testing"
)

// TestBuildVersion: the version a binary built without -ldflags reports,
// from the build information Go records.
func TestBuildVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		s := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}}
		if modified != "" {
			s = append(s, debug.BuildSetting{Key: "vcs.modified", Value: modified})
		}
		return s
	}
	const rev = "94c9da7abcdef0123456789abcdef0123456789a"
	tests := []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"go install module@version", "v1.4.0", vcs(rev, "false"), "v1.4.0"},
		{"pseudo-version from the VCS", "v0.0.0-20261206234155-94c9da7abcde+dirty", vcs(rev, "true"), "v0.0.0-20261206234155-94c9da7abcde+dirty"},
		{"devel, clean tree", "(devel)", vcs(rev, "false"), "94c9da7abcde"},
		{"devel, modified tree", "(devel)", vcs(rev, "true"), "94c9da7abcde-dirty"},
		{"no version, short revision", "", vcs("94c9", ""), "94c9"},
		{"devel, no VCS (-buildvcs=false)", "(devel)", nil, ""},
		{"nothing", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/llmrec/llmrec", Version: tt.version}, Settings: tt.settings}
			if got := BuildVersion(bi); got != tt.want {
				t.Errorf("BuildVersion = %q, want %q", got, tt.want)
			}
		})
	}
}
