package main

import "fmt"

// fileMargin is the file descriptors a run needs besides its connections:
// the run file and its journal, the terminal, DNS, the runtime's poller.
const fileMargin = 64

// filesNeeded is the number of open files a run of users needs: one
// connection per user, two when the built-in simulator serves them in the
// same process, plus fileMargin.
func filesNeeded(users int, sim bool) uint64 {
	per := uint64(1)
	if sim {
		per = 2
	}
	return uint64(max(users, 0))*per + fileMargin
}

// planFileLimit decides the soft RLIMIT_NOFILE for a run needing need
// files, given the current soft limit cur and hard limit hard: cur when it
// is enough, need when the hard limit allows raising to it, else an error
// telling the user what to do.
func planFileLimit(users int, flag string, cur, hard, need uint64) (uint64, error) {
	if cur >= need {
		return cur, nil
	}
	if hard >= need {
		return need, nil
	}
	return 0, fmt.Errorf("%s %d needs about %d open files, but this process may open at most %d (ulimit -n, hard limit %d): raise it with `ulimit -n %d` or lower %s",
		flag, users, need, cur, hard, need, flag)
}
