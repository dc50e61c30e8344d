package view

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes a string that came from outside (a run file's labels,
// model, target, errors, names) safe to print: C0 and C1 control
// characters and invalid UTF-8 become spaces, and runs of white space one
// space. The input boundary already strips controls; this is the second
// line of defence, so that no report can carry a terminal escape.
func Clean(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Clip shortens s to n runes, marking the cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Target cleans a target URL and redacts what could be a secret in it,
// even when the recorder already did: user info and query values.
func Target(s string) string {
	s = Clean(s)
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return s
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
