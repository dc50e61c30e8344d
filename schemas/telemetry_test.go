package schemas

import (
	"strings"
	"testing"
)

func TestDecodeTelemetry(t *testing.T) {
	for _, tc := range []struct {
		name, in, err string
	}{
		{"empty", ``, ""},
		{"good", `{"source":"u","t":[0.5,1.5],"series":[{"name":"vllm:x","type":"gauge","v":[1,null]}]}`, ""},
		{"short series", `{"t":[0.5,1.5],"series":[{"name":"vllm:x","type":"gauge","v":[1]}]}`, "has 1 values for 2 scrapes"},
		{"times fall", `{"t":[1.5,0.5],"series":[]}`, "do not rise"},
		{"bad type", `{"t":[1],"series":[{"name":"x","type":"histogram","v":[1]}]}`, "not gauge or counter"},
		{"not json", `{`, "not valid JSON"},
		{"too big", `{"source":"` + strings.Repeat("x", MaxTelemetryBytes) + `"}`, "over the 4 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeTelemetry(tc.in)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.in != "" && (got == nil || len(got.Series) != 1 || got.Series[0].V[1] != nil) {
					t.Errorf("decoded %+v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err %v, want %q", err, tc.err)
			}
		})
	}
}
