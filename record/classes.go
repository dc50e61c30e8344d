package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// Class is one request class of a workload file (--workload): each
// request draws a class with probability Weight over the sum of the
// weights, then one of the class's prompts. A class's prompts are the
// built-in ones, a prompts file's (PromptsFile; Prompts holds them once
// read) or synthetic ones of InputTokens; OutputTokens sets their
// max_tokens (zero: the run's). SLO is the class's own objective as given
// ("ttft=500ms"; "" for none), recorded for the analyzer.
type Class struct {
	Name         string
	Weight       float64
	PromptsFile  string
	Prompts      []target.Prompt
	InputTokens  target.Range
	OutputTokens target.Range
	SLO          string
}

// MaxClassName bounds a class name in bytes.
const MaxClassName = 64

// MaxWorkloadFileBytes bounds a workload file.
const MaxWorkloadFileBytes = 1 << 20

// classJSON is a class as the workload file writes it.
type classJSON struct {
	Name         *string         `json:"name"`
	Weight       *float64        `json:"weight"`
	Prompts      string          `json:"prompts"`
	InputTokens  json.RawMessage `json:"input_tokens"`
	MaxTokens    *int            `json:"max_tokens"`
	OutputTokens json.RawMessage `json:"output_tokens"`
	SLO          *string         `json:"slo"`
}

// tokenRange reads a token count as the file writes it, a number (128) or
// a string ("128" or "64-256"), for the field named.
func tokenRange(field string, raw json.RawMessage) (target.Range, error) {
	s := string(raw)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return target.Range{}, fmt.Errorf("%s: %s", field, oneLine(err))
		}
	}
	r, err := target.ParseRange(s)
	if err != nil {
		return target.Range{}, fmt.Errorf("%s: %w", field, err)
	}
	return r, nil
}

// unknownField is a key the file may not hold.
type unknownField struct{ name string }

func (u *unknownField) Error() string { return "unknown field " + u.name }

// ParseWorkload reads a workload file's bytes: JSON, or YAML when yamlFile
// (the name ends in .yaml or .yml: YAMLFile). Its one key is "classes", a
// list of classes, each with the keys name and weight (required), prompts
// ("builtin" or a prompts file's path, relative to dir), input_tokens,
// max_tokens or output_tokens, and slo. Any other key, a weight that is
// not above 0, a name given twice, a bad SLO or token range is refused
// with a one-line error naming the field ("classes[1].weight: ...").
// Prompts files are not read here (LoadClassPrompts).
func ParseWorkload(data []byte, yamlFile bool, dir string) ([]Class, error) {
	if len(data) > MaxWorkloadFileBytes {
		return nil, fmt.Errorf("is over %d bytes", MaxWorkloadFileBytes)
	}
	if yamlFile {
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, fmt.Errorf("not valid YAML: %s", oneLine(err))
		}
		data = j
	}
	var top struct {
		Classes []json.RawMessage `json:"classes"`
	}
	if err := strict(data, &top); err != nil {
		return nil, err
	}
	switch {
	case len(top.Classes) == 0:
		return nil, errors.New(`classes: give at least one class ({"classes": [{"name": ..., "weight": ...}]})`)
	case len(top.Classes) > schemas.MaxClasses:
		return nil, fmt.Errorf("classes: %d classes, at most %d", len(top.Classes), schemas.MaxClasses)
	}
	out := make([]Class, 0, len(top.Classes))
	seen := map[string]int{}
	for i, raw := range top.Classes {
		c, err := parseClass(raw, dir)
		if err == nil {
			if j, dup := seen[c.Name]; dup {
				err = fmt.Errorf("name: %q is already the name of classes[%d]", c.Name, j)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("classes[%d].%w", i, err)
		}
		seen[c.Name] = i
		out = append(out, c)
	}
	return out, nil
}

// YAMLFile says whether a workload file's name asks for YAML.
func YAMLFile(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// strict decodes one JSON value into v, refusing unknown keys and
// anything after the value; its errors name the field.
func strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value: the file is one object")
	}
	return nil
}

// jsonError words a decoding error in one line that names the field.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return fmt.Errorf("%s: want %s, got a JSON %s", te.Field, typeWords(te.Type.String()), te.Value)
	case errors.As(err, &te):
		return fmt.Errorf("want a JSON object with the key \"classes\", got a JSON %s", te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("not valid JSON at byte %d: %s", se.Offset, oneLine(err))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return &unknownField{strings.TrimPrefix(err.Error(), "json: unknown field ")}
	case errors.Is(err, io.EOF):
		return errors.New("empty: want a JSON object with the key \"classes\"")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("not valid JSON: it ends in the middle of a value")
	}
	return errors.New(oneLine(err))
}

// typeWords names a Go type of the file's fields as a JSON value.
func typeWords(t string) string {
	switch t {
	case "[]json.RawMessage":
		return "a list"
	case "float64":
		return "a number"
	case "int":
		return "a whole number"
	case "string":
		return "a string"
	}
	return t
}

// oneLine is err's text on one line, without the json package's prefix.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.TrimPrefix(err.Error(), "json: ")), " ")
}

// parseClass decodes and checks one class; an error starts with the
// field it names (for "classes[i]." before it).
func parseClass(raw []byte, dir string) (Class, error) {
	var cj classJSON
	if err := strict(raw, &cj); err != nil {
		var u *unknownField
		if errors.As(err, &u) {
			name, _ := strconv.Unquote(u.name)
			return Class{}, fmt.Errorf("%s: unknown field (a class has name, weight, prompts, input_tokens, max_tokens, output_tokens, slo)", name)
		}
		return Class{}, err
	}
	if cj.Name == nil {
		return Class{}, errors.New("name: missing")
	}
	c := Class{Name: *cj.Name}
	if err := checkClassName(c.Name); err != nil {
		return Class{}, fmt.Errorf("name: %w", err)
	}
	switch {
	case cj.Weight == nil:
		return Class{}, errors.New("weight: missing")
	case !(*cj.Weight > 0) || math.IsInf(*cj.Weight, 1):
		return Class{}, fmt.Errorf("weight: %s must be above 0", strconv.FormatFloat(*cj.Weight, 'g', -1, 64))
	}
	c.Weight = *cj.Weight
	if err := classSizes(&c, &cj, dir); err != nil {
		return Class{}, err
	}
	if cj.SLO != nil {
		if _, err := level.ParseSLO(level.SLO{}, *cj.SLO); err != nil {
			var se *level.SLOError
			if errors.As(err, &se) {
				err = errors.New(se.Reason)
			}
			return Class{}, fmt.Errorf("slo: %q: %w", *cj.SLO, err)
		}
		c.SLO = *cj.SLO
	}
	return c, nil
}

// classSizes fills the prompts source and token ranges of c.
func classSizes(c *Class, cj *classJSON, dir string) error {
	switch p := cj.Prompts; {
	case p == "" || p == "builtin":
	case cj.InputTokens != nil:
		return errors.New("input_tokens: makes synthetic prompts; it cannot apply to a prompts file (give one of prompts and input_tokens)")
	case filepath.IsAbs(p):
		c.PromptsFile = p
	default:
		c.PromptsFile = filepath.Join(dir, p)
	}
	var err error
	if cj.InputTokens != nil {
		if c.InputTokens, err = tokenRange("input_tokens", cj.InputTokens); err != nil {
			return err
		}
	}
	if cj.MaxTokens != nil && cj.OutputTokens != nil {
		return errors.New("output_tokens: give max_tokens or output_tokens, not both")
	}
	if m := cj.MaxTokens; m != nil {
		if *m < 1 || *m > target.MaxRangeTokens {
			return fmt.Errorf("max_tokens: %d is not from 1 to %d", *m, target.MaxRangeTokens)
		}
		c.OutputTokens = target.Range{Min: *m, Max: *m}
	}
	if cj.OutputTokens != nil {
		if c.OutputTokens, err = tokenRange("output_tokens", cj.OutputTokens); err != nil {
			return err
		}
	}
	return nil
}

// checkClassName refuses an empty name, one over MaxClassName bytes, and
// one that is not printable UTF-8 (it is shown in every report).
func checkClassName(n string) error {
	if n == "" || len(n) > MaxClassName || !utf8.ValidString(n) {
		return fmt.Errorf("want 1 to %d bytes of UTF-8", MaxClassName)
	}
	for _, r := range n {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%q holds a character that is not printable", n)
		}
	}
	return nil
}

// validateClasses reports the problems of c.Classes (errors.Join of
// *FieldError values, field "Classes"): classes exclude Prompts and the
// Workload's sizes (each class has its own), and each class needs a name
// of its own, a weight above 0 and valid token ranges.
func (c *Config) validateClasses() []error {
	if len(c.Classes) == 0 {
		return nil
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, &FieldError{Field: "Classes", Problem: fmt.Sprintf(format, a...)})
	}
	if len(c.Prompts) > 0 || !c.Workload.InputTokens.IsZero() || !c.Workload.OutputTokens.IsZero() {
		bad("give each class its prompts and sizes: they exclude prompts, input tokens and output tokens of the run")
	}
	if c.Workload.Turns > 1 || c.Workload.PrefixTokens > 0 {
		bad("do not combine with conversations or shared prefixes yet")
	}
	if len(c.Classes) > schemas.MaxClasses {
		bad("%d classes, at most %d", len(c.Classes), schemas.MaxClasses)
	}
	seen := map[string]bool{}
	for i, k := range c.Classes {
		if err := checkClassName(k.Name); err != nil || seen[k.Name] {
			bad("classes[%d]: a name of 1 to %d printable bytes, given once", i, MaxClassName)
		}
		seen[k.Name] = true
		if !(k.Weight > 0) || math.IsInf(k.Weight, 1) {
			bad("classes[%d] %q: weight must be above 0", i, k.Name)
		}
		w := Workload{InputTokens: k.InputTokens, OutputTokens: k.OutputTokens}
		if err := w.Validate(len(k.Prompts) > 0); err != nil {
			bad("classes[%d] %q: %s", i, k.Name, oneLine(err))
		}
	}
	return errs
}

// classPool is one class as the engine draws from it: its name (the rows'
// class) and its prompts.
type classPool struct {
	name    *string
	prompts []target.Prompt
}

// classes is a run's classes: the pools and the cumulative weights each
// draw reads.
type classes struct {
	pools []classPool
	cum   []float64 // cum[i]: the weights of classes 0..i, over their sum
}

// newClasses prepares the classes of cfg and their footer record. A
// class's prompts are made as a run's would be (Workload.Prompts) with
// its own seed, seed+i+1, so that the classes do not share a sequence.
func newClasses(cfg *Config, seed int64) (*classes, []schemas.Class) {
	cs := &classes{}
	meta := make([]schemas.Class, len(cfg.Classes))
	var total, sum float64
	for _, k := range cfg.Classes {
		total += k.Weight
	}
	for i, k := range cfg.Classes {
		ps, source := k.Prompts, "file"
		if len(ps) == 0 {
			ps, source = target.BuiltinPrompts(), "builtin"
		} else if ps[0].MaxTokens > 0 {
			source = "sharegpt"
		}
		w := Workload{InputTokens: k.InputTokens, OutputTokens: k.OutputTokens}
		ps, source = w.Prompts(ps, source, seed+int64(i)+1)
		name := k.Name
		cs.pools = append(cs.pools, classPool{name: &name, prompts: ps})
		sum += k.Weight
		cs.cum = append(cs.cum, sum/total)
		meta[i] = schemas.Class{Name: k.Name, Weight: k.Weight, Prompts: source,
			InputTokens: k.InputTokens.String(), OutputTokens: k.OutputTokens.String(), SLO: k.SLO}
		if k.PromptsFile != "" {
			meta[i].PromptsFile = filepath.Base(k.PromptsFile)
		}
	}
	cs.cum[len(cs.cum)-1] = 1 // no rounding gap above the last class
	return cs, meta
}

// class is the class a uniform draw u in [0, 1) falls in.
func (cs *classes) class(u float64) *classPool {
	for i, c := range cs.cum {
		if u < c {
			return &cs.pools[i]
		}
	}
	return &cs.pools[len(cs.pools)-1]
}

// draw picks a closed-loop user's next class by weight, then one of its
// prompts, from the user's generator.
func (cs *classes) draw(rng *rand.Rand) (target.Prompt, int, *string) {
	c := cs.class(rng.Float64())
	i := rng.IntN(len(c.prompts))
	return c.prompts[i], i, c.name
}

// at picks an open-loop arrival's class and prompt from its index and the
// run's seed (as promptPicker), so that the same seed draws the same class
// and prompt at the same arrival whatever the shard count.
func (cs *classes) at(seed, index int64) (target.Prompt, int, *string) {
	u := float64(splitMix(uint64(seed)^classSalt, index)>>11) / (1 << 53)
	c := cs.class(u)
	i := int(splitMix(uint64(seed), index) % uint64(len(c.prompts)))
	return c.prompts[i], i, c.name
}

// classSalt separates an arrival's class draw from its prompt draw.
const classSalt = 0x636c617373 // "class"
