package main

import "fmt"

// fileMargin is the file descriptors a run needs besides its connections:
// the run file and its journal, the terminal, DNS, the runtime's poller.
const fileMargin = 64

// filesNeeded is the number of open files a run of users needs: one
// connection per user, two when the built-in simulator serves them in the
// same process, plus fileMargin, plus extra (the live dashboard's
// connections, which it caps).
func filesNeeded(users int, sim bool, extra uint64) uint64 {
	per := uint64(1)
	if sim {
		per = 2
	}
	return uint64(max(users, 0))*per + fileMargin + extra
}

// fileNeed is what a run needs of RLIMIT_NOFILE: the flag that sets its
// connections and its value, whether the dashboard is counted, and the
// files needed.
type fileNeed struct {
	flag      string
	users     int
	dashboard bool
	files     uint64
}

func (n fileNeed) String() string {
	s := fmt.Sprintf("%s %d", n.flag, n.users)
	if n.dashboard {
		s += " with --dashboard"
	}
	return s
}

// planFileLimit decides the soft RLIMIT_NOFILE for a run needing n.files
// files, given the current soft limit cur and hard limit hard: cur when
// it is enough, n.files when the hard limit allows raising to it, else an
// error telling the user what to do.
func planFileLimit(n fileNeed, cur, hard uint64) (uint64, error) {
	if cur >= n.files {
		return cur, nil
	}
	if hard >= n.files {
		return n.files, nil
	}
	return 0, fmt.Errorf("%s needs about %d open files, but this process may open at most %d (ulimit -n, hard limit %d): raise it with `ulimit -n %d` or lower %s",
		n, n.files, cur, hard, n.files, n.flag)
}
