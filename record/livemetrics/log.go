package livemetrics

import (
	"io"
	"log"
)

// discardLog keeps net/http's connection errors off the terminal, where
// they would break the status line.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
