package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/llmrec/llmrec/schemas"
)

func TestClassify(t *testing.T) {
	sys := func(op string, errno syscall.Errno) error {
		return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"refused", sys("dial", syscall.ECONNREFUSED), schemas.ErrConnect},
		{"host unreachable", sys("dial", syscall.EHOSTUNREACH), schemas.ErrConnect},
		{"net unreachable", sys("dial", syscall.ENETUNREACH), schemas.ErrConnect},
		{"dial timeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, schemas.ErrConnect},
		{"dns", &url.Error{Op: "Post", URL: "http://x", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, schemas.ErrDNS},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, schemas.ErrTLS},
		{"hostname", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "h"}, schemas.ErrTLS},
		{"record header", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, schemas.ErrTLS},
		{"alert", fmt.Errorf("remote error: %w", tls.AlertError(40)), schemas.ErrTLS},
		{"handshake timeout", errors.New("net/http: TLS handshake timeout"), schemas.ErrTLS},
		{"reset", sys("read", syscall.ECONNRESET), schemas.ErrReset},
		{"broken pipe", sys("write", syscall.EPIPE), schemas.ErrReset},
		{"unexpected EOF", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), schemas.ErrReset},
		{"EOF before response", &url.Error{Op: "Post", URL: "http://x", Err: io.EOF}, schemas.ErrReset},
		{"server closed", errors.New("net/http: server closed connection before response"), schemas.ErrReset},
		{"http2 lost", errors.New("http2: client connection lost"), schemas.ErrReset},
		{"body limit", fmt.Errorf("read: %w", errBodyLimit), schemas.ErrBodyLimit},
		{"our timeout", errTimeout, schemas.ErrTimeout},
		{"our idle timeout", fmt.Errorf("x: %w", errIdleTimeout), schemas.ErrIdleTimeout},
		{"deadline", context.DeadlineExceeded, schemas.ErrTimeout},
		{"canceled", &url.Error{Op: "Post", URL: "http://x", Err: context.Canceled}, schemas.ErrCanceled},
		{"read timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, schemas.ErrTimeout},
		{"sse line", errSSELine, schemas.ErrProtocol},
		{"emfile at socket", sys("dial", syscall.EMFILE), schemas.ErrGenerator},
		{"enfile", sys("dial", syscall.ENFILE), schemas.ErrGenerator},
		{"enomem", sys("read", syscall.ENOMEM), schemas.ErrGenerator},
		{"no local port", sys("dial", syscall.EADDRNOTAVAIL), schemas.ErrGenerator},
		{"emfile text only", errors.New("dial tcp 127.0.0.1:80: socket: too many open files"), schemas.ErrGenerator},
		{"unknown", errors.New("something odd"), schemas.ErrProtocol},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: Classify(%v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
	for _, tt := range tests {
		if tt.want == "" {
			continue
		}
		found := false
		for _, c := range schemas.ErrorClasses {
			found = found || c == tt.want
		}
		if !found {
			t.Errorf("%s: %q is not a schemas error class", tt.name, tt.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
