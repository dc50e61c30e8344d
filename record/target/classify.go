package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/llmrec/llmrec/schemas"
)

// Sentinel causes used to cancel a request's context, so that Do can tell
// which of its own timers fired.
var (
	errTimeout     = errors.New("request timeout")
	errIdleTimeout = errors.New("idle timeout: no data from the server")
	errBodyLimit   = errors.New("response body over the size limit")
)

// Classify maps an error from sending a request or reading its response to
// one of the schemas.Err* classes ("" for nil). See the package
// documentation for the rules. Errors it does not recognise are protocol.
func Classify(err error) string {
	if err == nil {
		return ""
	}
	switch {
	case errors.Is(err, errIdleTimeout):
		return schemas.ErrIdleTimeout
	case errors.Is(err, errTimeout):
		return schemas.ErrTimeout
	case errors.Is(err, errBodyLimit):
		return schemas.ErrBodyLimit
	case errors.Is(err, context.Canceled):
		return schemas.ErrCanceled
	}
	if isGeneratorError(err) {
		return schemas.ErrGenerator
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return schemas.ErrDNS
	}
	if isTLSError(err) {
		return schemas.ErrTLS
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		// A dial that timed out or failed otherwise never connected.
		if op.Timeout() || errors.Is(err, syscall.ECONNREFUSED) ||
			errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
			return schemas.ErrConnect
		}
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return schemas.ErrConnect
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return schemas.ErrReset
	case errors.Is(err, context.DeadlineExceeded):
		return schemas.ErrTimeout
	}
	msg := err.Error()
	for _, s := range resetMessages {
		if strings.Contains(msg, s) {
			return schemas.ErrReset
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return schemas.ErrTimeout
	}
	return schemas.ErrProtocol
}

// resetMessages are net/http and x/net/http2 error texts (not exported as
// values) meaning the connection went away under a written request.
var resetMessages = []string{
	"server closed connection",
	"server closed idle connection",
	"unexpected EOF",
	"transport connection broken",
	"connection reset",
	"broken pipe",
	"http2: client connection lost",
	"http2: client connection force closed",
	"http2: server sent GOAWAY",
	"stream error: stream ID",
	"use of closed network connection",
}

func isTLSError(err error) bool {
	var (
		unknownCA x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		host      x509.HostnameError
		sysRoots  x509.SystemRootsError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		alert     tls.AlertError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &host) ||
		errors.As(err, &sysRoots) || errors.As(err, &verify) || errors.As(err, &record) ||
		errors.As(err, &alert) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "TLS handshake") ||
		strings.Contains(msg, "x509: ")
}

// generatorErrnos are the failures of the recorder's own machine: out of
// file descriptors (process or system), memory, kernel buffers or local
// ports. They say nothing about the target.
var generatorErrnos = []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.ENOBUFS, syscall.EADDRNOTAVAIL}

// generatorMessages are the same failures when only their text is left.
var generatorMessages = []string{"too many open files", "cannot assign requested address", "cannot allocate memory", "no buffer space available"}

func isGeneratorError(err error) bool {
	for _, e := range generatorErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	msg := err.Error()
	for _, m := range generatorMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}
