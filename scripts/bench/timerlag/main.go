package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

func main() {
	g := flag.Int("g", 30, "goroutines")
	lo := flag.Duration("min", 100*time.Millisecond, "shortest sleep")
	hi := flag.Duration("max", 500*time.Millisecond, "longest sleep")
	d := flag.Duration("d", 10*time.Second, "length of each mode")
	late := flag.Duration("late", 20*time.Millisecond, "a wake-up this late counts as late")
	flag.Parse()
	fmt.Printf("%d goroutines sleeping %v–%v for %v each mode\n", *g, *lo, *hi, *d)
	for _, mode := range []string{"stopped-reset", "new-timer", "sleep"} {
		lags := measure(mode, *g, *lo, *hi, *d)
		slices.Sort(lags)
		n := 0
		for _, l := range lags {
			if l > *late {
				n++
			}
		}
		fmt.Printf("%-14s %4d wake-ups, %4d later than %v, p50 %v, p99 %v, max %v\n", mode, len(lags), n, *late,
			pick(lags, 0.50), pick(lags, 0.99), lags[len(lags)-1].Round(10*time.Microsecond))
	}
}

func pick(xs []time.Duration, q float64) time.Duration {
	return xs[int(q*float64(len(xs)-1))].Round(10 * time.Microsecond)
}

// measure runs g sleepers in the given mode and returns every wake-up's
// lateness.
func measure(mode string, g int, lo, hi, d time.Duration) []time.Duration {
	var (
		mu   sync.Mutex
		lags []time.Duration
		wg   sync.WaitGroup
	)
	end := time.Now().Add(d)
	for i := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			var t *time.Timer
			if mode == "stopped-reset" {
				t = time.NewTimer(time.Hour)
				t.Stop()
			}
			var mine []time.Duration
			for time.Now().Before(end) {
				sleep := lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
				t0 := time.Now()
				switch mode {
				case "stopped-reset":
					t.Reset(sleep)
					<-t.C
				case "new-timer":
					nt := time.NewTimer(sleep)
					<-nt.C
				default:
					time.Sleep(sleep)
				}
				mine = append(mine, time.Since(t0)-sleep)
			}
			mu.Lock()
			lags = append(lags, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lags
}
