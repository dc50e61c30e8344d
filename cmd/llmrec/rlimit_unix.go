//go:build linux || darwin

package main

import (
	"fmt"
	"syscall"
)

// ensureFileLimit checks RLIMIT_NOFILE against a run's need before the
// first request and raises the soft limit when the hard limit allows it, so
// that the recorder does not run out of file descriptors mid-run (its
// failures would be class generator).
func ensureFileLimit(n fileNeed) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // unknown: the run's own failures will say so
	}
	cur, err := planFileLimit(n, lim.Cur, lim.Max)
	if err != nil {
		return err
	}
	if old := lim.Cur; cur != old {
		lim.Cur = cur
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("%s needs about %d open files; raising the limit from %d failed (%w): raise it with `ulimit -n %d` or lower %s", n, n.files, old, err, n.files, n.flag)
		}
	}
	return nil
}
