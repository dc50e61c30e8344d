//go:build linux || darwin

package main

import (
	"fmt"
	"syscall"
)

// ensureFileLimit checks RLIMIT_NOFILE against a run of users before the
// first request and raises the soft limit when the hard limit allows it, so
// that the recorder does not run out of file descriptors mid-run (its
// failures would be class generator).
func ensureFileLimit(users int, flag string, sim bool) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // unknown: the run's own failures will say so
	}
	need := filesNeeded(users, sim)
	cur, err := planFileLimit(users, flag, lim.Cur, lim.Max, need)
	if err != nil {
		return err
	}
	if old := lim.Cur; cur != old {
		lim.Cur = cur
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("%s %d needs about %d open files; raising the limit from %d failed (%w): raise it with `ulimit -n %d` or lower %s", flag, users, need, old, err, need, flag)
		}
	}
	return nil
}
