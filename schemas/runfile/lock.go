package runfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// A live run holds an exclusive flock(2) on its journal from the moment
// the journal is created until it is removed (Finish) or the process ends:
// the kernel drops the lock of a killed process, so a killed run's journal
// is unlocked and Recover may take it. Recover and --discard-journal take
// the same lock, without waiting, before they read or remove a journal;
// a lock held by another process is ErrRunLive. flock is advisory: only
// llmrec asks for it, which is what matters here.

// lockFile takes the exclusive lock on f without waiting: ErrRunLive when
// another open file (a live run, a recover) holds it.
func lockFile(f *os.File, path string) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := conn.Control(func(fd uintptr) {
		for {
			lerr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
			if !errors.Is(lerr, unix.EINTR) {
				return
			}
		}
	}); err != nil {
		return err
	}
	if errors.Is(lerr, unix.EWOULDBLOCK) {
		return fmt.Errorf("%s: %w (its journal %s is locked by a live llmrec process); wait for that run to end or stop it first",
			Quote(runPath(path)), ErrRunLive, Quote(path))
	}
	if lerr != nil {
		return fmt.Errorf("lock journal %s: %w", Quote(path), lerr)
	}
	return nil
}

// runPath is the run file of the journal path.
func runPath(journal string) string { return journal[:len(journal)-len(JournalPath(""))] }

// openExisting opens the journal at path and locks it. It never blocks: a
// FIFO there is opened without waiting for a writer and refused; a
// symbolic link is followed (the lock is then the target's). gone is true
// when there is no journal.
func openExisting(path string) (f *os.File, gone bool, err error) {
	f, err = os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("open journal %s: %w", Quote(path), err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("journal %s: %w (%s)", Quote(path), ErrNotRegular, FileKind(st.Mode()))
	}
	if err == nil {
		err = lockFile(f, path)
	}
	if err == nil && !stillAt(f, path) {
		// The run finished (and removed it) between the open and the lock.
		f.Close()
		return nil, true, nil
	}
	if err != nil {
		f.Close()
		return nil, false, err
	}
	return f, false, nil
}

// stillAt says whether path (followed) still names the open file f.
func stillAt(f *os.File, path string) bool {
	st, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(path)
	return err == nil && os.SameFile(st, now)
}

// checkNotLive returns ErrRunLive when the journal of the run file path
// is locked by a live run. It takes the lock for a moment and drops it.
func checkNotLive(path string) error {
	f, _, err := openExisting(JournalPath(path))
	if errors.Is(err, ErrNotRegular) {
		return nil // not a journal a run writes; CheckPath refuses it as a journal
	}
	if f != nil {
		f.Close()
	}
	return err
}

// removeJournal removes the journal at path, unless a live run holds it
// (ErrRunLive). A symbolic link there is removed, never its target.
func removeJournal(path string) error {
	if st, err := os.Lstat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("discard journal: %w", err)
	} else if !st.Mode().IsRegular() {
		// A link or anything else: no run writes it (a run creates its
		// journal as a new regular file).
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("discard journal: %w", err)
		}
		return nil
	}
	f, gone, err := openExisting(path)
	if err != nil || gone {
		return err
	}
	defer f.Close() // after the remove: no run can take it in between
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("discard journal: %w", err)
	}
	return nil
}
