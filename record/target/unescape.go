package target

import (
	"html"
	"strings"
	"unicode/utf8"
)

// A server may echo a secret in any of the escaped spellings of the
// formats it writes: a JSON encoder writes "/" as `\/` (PHP's default) and
// may write any character as `\u002d`; an HTML page writes `&#45;`,
// `&#x2d;` or `&sol;`; a URL writes `%2D`; and text escaped twice (a JSON
// string inside a JSON string, an HTML-escaped JSON body) needs two steps.
// Rather than list the spellings of each secret, the Redactor decodes
// every escape it knows in the text, one level at a time, and looks for
// the secrets in every level; a match is mapped back to the bytes of the
// original text it came from, which are what is replaced.

// maxDecodeLevels bounds how many times a text is decoded: the original
// text and up to this many decoded levels are searched.
const maxDecodeLevels = 4

// escapes is a set of escape syntaxes.
type escapes uint8

const (
	escBackslash escapes = 1 << iota // JSON and JavaScript strings: \/ \u002d
	escEntity                        // HTML and XML: &#45; &#x2d; &sol;
	escPercent                       // URLs: %2D
	escAll       = escBackslash | escEntity | escPercent
)

// starts are the bytes that start an escape of each syntax in e.
func (e escapes) starts() string {
	return escapeStarts[e&escAll]
}

var escapeStarts = [...]string{"", `\`, "&", `\&`, "%", `\%`, "&%", `\&%`}

// decoded is a text decoded from an original one, with, for each of its
// bytes, the span of the original text that byte came from: an escape
// sequence, or the byte itself. For the original text from and to are nil.
type decoded struct {
	text     string
	from, to []int
}

// span returns the bytes [from, to) of the original text that bytes
// [i, j) of d came from.
func (d *decoded) span(i, j int) (int, int) {
	if d.from == nil {
		return i, j
	}
	return d.from[i], d.to[j-1]
}

// maxSequenceDecodes bounds the decodings of one text done one syntax a
// level (see decodeLevels): a crafted text nesting every syntax four deep
// would otherwise take 120.
const maxSequenceDecodes = 32

// decodeLevels returns s and the distinct texts decoded from it, each
// after at most maxDecodeLevels levels of escapes, in two ways:
//
//   - every syntax at each level: an echo that mixes them (a JSON escape
//     in one place, an HTML reference in another) decodes whole;
//   - one syntax a level, in every order (at most maxSequenceDecodes
//     decodings): a secret that itself holds a valid escape of another
//     syntax ("abc%3D" in a cookie, echoed in JSON that also writes '/' as
//     "\/") is decoded by the JSON step alone, which leaves its "%3D" as it
//     is; and an escape written in part in another one ("&#x3\u0030;" in
//     JSON) is decoded in the right order.
//
// A level that decodes nothing ends its chain, and a text already found
// in fewer levels is not decoded again, so text with no escape costs
// nothing and text with one syntax little.
func decodeLevels(s string) []decoded {
	levels := []decoded{{text: s}}
	if !strings.ContainsAny(s, escAll.starts()) {
		return levels
	}
	// seen maps each text found one syntax a level to the fewest levels
	// it took: a text seen before at that depth or less has had its
	// decodings explored.
	seen := map[string]int{s: 0}
	budget := maxSequenceDecodes
	var walk func(d *decoded, depth int)
	walk = func(d *decoded, depth int) {
		for _, set := range []escapes{escBackslash, escEntity, escPercent} {
			if depth == maxDecodeLevels || budget == 0 {
				return
			}
			if !strings.ContainsAny(d.text, set.starts()) {
				continue
			}
			budget--
			next, ok := decodeOnce(d, set)
			if !ok {
				continue
			}
			prev, found := seen[next.text]
			if found && prev <= depth+1 {
				continue
			}
			if !found {
				levels = append(levels, next)
			}
			seen[next.text] = depth + 1
			walk(&next, depth+1)
		}
	}
	walk(&levels[0], 0)
	d := levels[0]
	for range maxDecodeLevels {
		next, ok := decodeOnce(&d, escAll)
		if !ok {
			break
		}
		if _, found := seen[next.text]; !found {
			seen[next.text] = maxDecodeLevels
			levels = append(levels, next)
		}
		d = next
	}
	return levels
}

// decodeOnce decodes every escape sequence of the syntaxes in set in
// d.text (see unescapeAt) in one left-to-right pass. ok is false when
// there was none.
func decodeOnce(d *decoded, set escapes) (next decoded, ok bool) {
	t := d.text
	starts := set.starts()
	if !strings.ContainsAny(t, starts) {
		return decoded{}, false
	}
	b := make([]byte, 0, len(t))
	from := make([]int, 0, len(t))
	to := make([]int, 0, len(t))
	// keep appends t[i:j] as it is.
	keep := func(i, j int) {
		b = append(b, t[i:j]...)
		if d.from != nil {
			from = append(from, d.from[i:j]...)
			to = append(to, d.to[i:j]...)
			return
		}
		for k := i; k < j; k++ {
			from = append(from, k)
			to = append(to, k+1)
		}
	}
	for i := 0; i < len(t); {
		k := strings.IndexAny(t[i:], starts)
		if k < 0 {
			keep(i, len(t))
			break
		}
		keep(i, i+k)
		i += k
		nb, n := unescapeAt(b, t, i, set)
		if n == 0 {
			keep(i, i+1)
			i++
			continue
		}
		ok = true
		f, e := d.span(i, i+n)
		for range len(nb) - len(b) {
			from = append(from, f)
			to = append(to, e)
		}
		b = nb
		i += n
	}
	if !ok {
		return decoded{}, false
	}
	return decoded{text: string(b), from: from, to: to}, true
}

// unescapeAt decodes the escape sequence of a syntax in set that starts at
// t[i], if any: it appends what the sequence stands for to b and returns
// b and the sequence's length in t (0: none starts there, b unchanged):
//
//   - JSON and JavaScript string escapes: \uXXXX (a UTF-16 surrogate pair
//     as one character), \u{X...}, \UXXXXXXXX, \xXX, and \/ \\ \" \' \b
//     \f \n \r \t;
//   - HTML and XML character references: &#DDD; and &#xHHH; (the ';' may
//     be missing, as browsers allow) and every named reference, such as
//     &sol; &amp; &plus;;
//   - percent-encoding: %XX, and %uXXXX.
//
// Hexadecimal digits may be upper or lower case. Percent-encoding's '+'
// for a space is not decoded: a '+' in a secret would no longer match
// (the Redactor knows each secret with its spaces written '+' instead).
func unescapeAt(b []byte, t string, i int, set escapes) ([]byte, int) {
	switch {
	case t[i] == '\\' && set&escBackslash != 0:
		return unescapeBackslash(b, t, i)
	case t[i] == '&' && set&escEntity != 0:
		return unescapeEntity(b, t, i)
	case t[i] == '%' && set&escPercent != 0:
		if v, ok := hexAt(t, i+1, 2); ok {
			return append(b, byte(v)), 3
		}
		if i+1 < len(t) && (t[i+1] == 'u' || t[i+1] == 'U') {
			if v, ok := hexAt(t, i+2, 4); ok {
				return appendUTF16(b, t, i, v, '%')
			}
		}
	}
	return b, 0
}

// backslashEscapes are the one-letter escapes of JSON and JavaScript.
var backslashEscapes = [256]byte{'/': '/', '\\': '\\', '"': '"', '\'': '\'', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// unescapeBackslash decodes the backslash escape at t[i].
func unescapeBackslash(b []byte, t string, i int) ([]byte, int) {
	if i+1 >= len(t) {
		return b, 0
	}
	switch c := t[i+1]; c {
	case 'x':
		if v, ok := hexAt(t, i+2, 2); ok {
			return append(b, byte(v)), 4
		}
	case 'U':
		if v, ok := hexAt(t, i+2, 8); ok {
			return appendRune(b, v, 10)
		}
	case 'u':
		if i+2 < len(t) && t[i+2] == '{' {
			end := strings.IndexByte(t[i+3:min(len(t), i+3+9)], '}')
			if v, ok := hexAt(t, i+3, end); ok {
				return appendRune(b, v, 3+end+1)
			}
			return b, 0
		}
		if v, ok := hexAt(t, i+2, 4); ok {
			return appendUTF16(b, t, i, v, '\\')
		}
	default:
		if e := backslashEscapes[c]; e != 0 {
			return append(b, e), 2
		}
	}
	return b, 0
}

// maxEntityName is the length of the longest HTML named character
// reference ("CounterClockwiseContourIntegral").
const maxEntityName = 31

// maxEntityDigits bounds the digits of a numeric character reference
// (leading zeros included).
const maxEntityDigits = 16

// unescapeEntity decodes the HTML character reference at t[i].
func unescapeEntity(b []byte, t string, i int) ([]byte, int) {
	j := i + 1
	if j < len(t) && t[j] == '#' {
		j++
		base := 10
		if j < len(t) && (t[j] == 'x' || t[j] == 'X') {
			base = 16
			j++
		}
		start := j
		v := 0
		for j < len(t) && j-start < maxEntityDigits && digitValue(t[j], base) >= 0 {
			v = min(v*base+digitValue(t[j], base), utf8.MaxRune+1)
			j++
		}
		if j == start {
			return b, 0
		}
		if j < len(t) && t[j] == ';' {
			j++
		}
		return appendRune(b, v, j-i)
	}
	for j < len(t) && j-i-1 < maxEntityName && isAlnum(t[j]) {
		j++
	}
	if j == i+1 || j >= len(t) || t[j] != ';' {
		return b, 0
	}
	ref := t[i : j+1]
	dec := html.UnescapeString(ref)
	// A name that is not a reference comes back as it was; one that only
	// starts with a legacy reference ("&ampx;") comes back decoded in part,
	// still ending in ';'. Only a whole reference counts (and "&semi;" is
	// the one whose value is ';').
	if dec == ref || strings.HasSuffix(dec, ";") && ref != "&semi;" {
		return b, 0
	}
	return append(b, dec...), len(ref)
}

// appendUTF16 appends the character of the UTF-16 unit v, escaped as
// "<lead>uXXXX" at t[i]: a high surrogate followed by the escape of a low
// one is one character of 12 bytes.
func appendUTF16(b []byte, t string, i, v int, lead byte) ([]byte, int) {
	if v >= 0xD800 && v <= 0xDBFF && i+12 <= len(t) && t[i+6] == lead && (t[i+7] == 'u' || t[i+7] == 'U' && lead == '%') {
		if lo, ok := hexAt(t, i+8, 4); ok && lo >= 0xDC00 && lo <= 0xDFFF {
			return appendRune(b, 0x10000+(v-0xD800)<<10+(lo-0xDC00), 12)
		}
	}
	return appendRune(b, v, 6)
}

// appendRune appends the UTF-8 text of the character v for an escape of
// n bytes, or returns (b, 0) when v is no character (a lone surrogate,
// beyond U+10FFFF).
func appendRune(b []byte, v, n int) ([]byte, int) {
	if v > utf8.MaxRune || !utf8.ValidRune(rune(v)) {
		return b, 0
	}
	return utf8.AppendRune(b, rune(v)), n
}

// hexAt parses exactly n hexadecimal digits at t[i:].
func hexAt(t string, i, n int) (int, bool) {
	if n < 1 || i+n > len(t) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		d := digitValue(t[k], 16)
		if d < 0 {
			return 0, false
		}
		v = v<<4 | d
	}
	return v, true
}

// digitValue returns the value of c as a digit in base (10 or 16), or -1.
func digitValue(c byte, base int) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case base == 16 && c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case base == 16 && c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
