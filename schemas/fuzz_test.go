package schemas

import (
	"strconv"
	"testing"
)

// FuzzDecodeMeta: any footer version and run-metadata text is either
// refused with an error or decoded into metadata that encodes and decodes
// to itself; a version newer than Version is always refused. Seeds:
// testdata/fuzz/FuzzDecodeMeta.
func FuzzDecodeMeta(f *testing.F) {
	f.Add("1", `{"run_id":"r","labels":{"a":"b"},"generator":{"seconds":[{"t":0,"cpu":0.5,"max_lag_ms":1}]}}`)
	f.Fuzz(func(t *testing.T, version, run string) {
		m, err := DecodeMeta(version, run)
		if v, perr := strconv.Atoi(version); perr == nil && v > Version && err == nil {
			t.Fatalf("version %q newer than %d accepted", version, Version)
		}
		if err != nil {
			if m != nil {
				t.Fatal("metadata returned with an error")
			}
			return
		}
		if m.Labels == nil {
			t.Fatal("nil labels")
		}
		js, err := m.Marshal()
		if err != nil {
			// Only values JSON cannot encode back (none exist in RunMeta).
			t.Fatalf("decoded metadata does not encode: %v", err)
		}
		m2, err := DecodeMeta(strconv.Itoa(Version), js)
		if err != nil {
			t.Fatalf("re-encoded metadata does not decode: %v\n%s", err, js)
		}
		js2, _ := m2.Marshal()
		if js != js2 {
			t.Fatalf("round trip changed the metadata:\n%s\n%s", js, js2)
		}
	})
}
