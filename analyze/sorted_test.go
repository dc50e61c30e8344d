package analyze

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestStreamSortedIsTheQueryResult: streamSorted hands over exactly the
// rows of the ordered query, in its order, across row groups and batches,
// whether the database wrote a column plainly or through a dictionary
// (k with few distinct values), and removes its file afterwards.
func TestStreamSortedIsTheQueryResult(t *testing.T) {
	ctx := context.Background()
	e, err := openEngine(ctx, testOptions(0, time.Second), []string{os.DevNull}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// 300,001 rows: three row groups and a bit. In the first table x
	// repeats (ties) and k has 7 distinct values: the database writes both
	// through a dictionary; in the second every value is distinct and
	// written plainly.
	for _, tc := range []struct{ name, x, k string }{
		{"dictionary", "round(sin(i) * 1000, 1)", "(i * 7919) % 7"},
		{"plain", "sin(i) * 1000", "i * 3 - 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := "SELECT (" + tc.x + ")::DOUBLE AS x, (" + tc.k + ")::BIGINT AS k FROM range(300001) AS g(i) ORDER BY x, k"
			rows, err := e.conn.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var want []sortedRow
			for rows.Next() {
				var r sortedRow
				if err := rows.Scan(&r.X, &r.K); err != nil {
					t.Fatal(err)
				}
				want = append(want, r)
			}
			rows.Close()
			var got []sortedRow
			batches := 0
			err = e.streamSorted(ctx, q, nil, func(rs []sortedRow) error {
				batches++
				if len(rs) > sortedBatch {
					t.Errorf("a batch of %d rows, want at most %d", len(rs), sortedBatch)
				}
				got = append(got, rs...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("row %d is %+v, want %+v", i, got[i], want[i])
				}
			}
			if batches < len(want)/sortedBatch {
				t.Errorf("%d batches for %d rows", batches, len(want))
			}
		})
	}
	left, err := os.ReadDir(e.tempDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range left {
		if f.Name() != "run.duckdb" && f.Name() != "run.duckdb.wal" {
			t.Errorf("left in the private directory: %s", f.Name())
		}
	}
}
