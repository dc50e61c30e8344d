package view_test

import (
	"fmt"

	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/report/view"
)

func ExampleChange() {
	p, rel, delta := 0.002, 0.23, 92.0
	fmt.Println(view.Change(&compare.Change{Delta: &delta, Relative: &rel, P: &p, Significant: true}, compare.UnitMS))
	q := 0.41
	fmt.Println(view.Change(&compare.Change{Delta: &delta, Relative: &rel, P: &q}, compare.UnitMS))
	// Output:
	// +23.0% (p=0.002)
	// ~ (p=0.410)
}
