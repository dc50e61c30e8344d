package analyze

import (
	"math"
	"reflect"
)

// FiniteFigures makes every figure of the result v points to a finite
// number, the one promise no input may break (JSON has no ±Inf or NaN, and
// a report that prints "+Inf ms" is wrong either way): a *float64 that is
// ±Inf or NaN becomes nil, that is undefined (null in JSON, n/a in text),
// and a float64 where a number is required (a chart's point, a setting)
// becomes 0. It returns how many figures it changed. The analysis keeps
// figures finite where it computes them (bounded inputs, guarded
// divisions); this is the last line for a ratio of two extreme values that
// overflows.
func FiniteFigures(v any) int {
	return finiteValue(reflect.ValueOf(v))
}

func finiteValue(v reflect.Value) int {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return 0
		}
		if e := v.Elem(); e.Kind() == reflect.Float64 || e.Kind() == reflect.Float32 {
			if bad(e.Float()) {
				if v.CanSet() {
					v.SetZero()
				} else {
					e.SetFloat(0)
				}
				return 1
			}
			return 0
		}
		return finiteValue(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return 0
		}
		return finiteValue(v.Elem())
	case reflect.Float64, reflect.Float32:
		if bad(v.Float()) && v.CanSet() {
			v.SetFloat(0)
			return 1
		}
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				n += finiteValue(v.Field(i))
			}
		}
		return n
	case reflect.Slice, reflect.Array:
		n := 0
		for i := range v.Len() {
			n += finiteValue(v.Index(i))
		}
		return n
	case reflect.Map:
		n := 0
		iter := v.MapRange()
		for iter.Next() {
			// Map values are not addressable: fix a copy and store it back.
			val := reflect.New(iter.Value().Type()).Elem()
			val.Set(iter.Value())
			if k := finiteValue(val); k > 0 {
				v.SetMapIndex(iter.Key(), val)
				n += k
			}
		}
		return n
	}
	return 0
}

func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }

// NonFiniteWarning is the warning of a result whose n figures were not
// finite (FiniteFigures); nil when n is 0.
func NonFiniteWarning(n int) []Warning {
	if n == 0 {
		return nil
	}
	return []Warning{{Fact: NonFiniteFact{N: n}}}
}
