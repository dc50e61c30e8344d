// Package kubernetes holds the manifests that run one llmrec run as a
// Kubernetes Indexed Job, and the test that checks them against the official
// API types. It lives in a module of its own so that the product's module
// does not carry the Kubernetes API.
package kubernetes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// manifests decodes every document of every *.yaml file in this folder
// strictly: an unknown or misspelled field fails, as the API server would
// reject it.
type manifests struct {
	jobs       map[string]*batchv1.Job
	configMaps map[string]*corev1.ConfigMap
	pvcs       map[string]*corev1.PersistentVolumeClaim
	pods       map[string]*corev1.Pod
}

func load(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests found: %v", err)
	}
	m := &manifests{
		jobs:       map[string]*batchv1.Job{},
		configMaps: map[string]*corev1.ConfigMap{},
		pvcs:       map[string]*corev1.PersistentVolumeClaim{},
		pods:       map[string]*corev1.Pod{},
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range splitDocs(raw) {
			where := fmt.Sprintf("%s document %d", f, i+1)
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			var name string
			switch tm.Kind {
			case "Job":
				var o batchv1.Job
				strict(t, where, doc, &o)
				name = o.Name
				m.jobs[name] = &o
			case "ConfigMap":
				var o corev1.ConfigMap
				strict(t, where, doc, &o)
				name = o.Name
				m.configMaps[name] = &o
			case "PersistentVolumeClaim":
				var o corev1.PersistentVolumeClaim
				strict(t, where, doc, &o)
				name = o.Name
				m.pvcs[name] = &o
			case "Pod":
				var o corev1.Pod
				strict(t, where, doc, &o)
				name = o.Name
				m.pods[name] = &o
			case "Secret":
				t.Errorf("%s: a Secret manifest would put a key in the repository; create it with kubectl instead", where)
				continue
			default:
				t.Fatalf("%s: kind %q is not one this test knows; add it", where, tm.Kind)
			}
			if name == "" {
				t.Errorf("%s: %s has no name", where, tm.Kind)
			}
		}
	}
	return m
}

func strict(t *testing.T, where string, doc []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, into); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
}

func splitDocs(raw []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestManifestsDecodeStrictly(t *testing.T) {
	m := load(t)
	if len(m.jobs) != 1 {
		t.Fatalf("want exactly one Job, got %d", len(m.jobs))
	}
	// A misspelled field must fail: the check above is only worth something
	// if the decoder really is strict.
	bad := []byte("apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {completionsMode: Indexed}\n")
	var j batchv1.Job
	if err := yaml.UnmarshalStrict(bad, &j); err == nil {
		t.Fatal("strict decoding accepted a misspelled field")
	}
}

// TestIndexedJob checks the invariants a sharded run depends on.
func TestIndexedJob(t *testing.T) {
	m := load(t)
	for name, job := range m.jobs {
		spec := job.Spec
		if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
			t.Errorf("job %s: completionMode must be Indexed (each pod gets JOB_COMPLETION_INDEX)", name)
		}
		if spec.Completions == nil || spec.Parallelism == nil {
			t.Fatalf("job %s: completions and parallelism must both be set", name)
		}
		n := *spec.Completions
		if *spec.Parallelism != n {
			t.Errorf("job %s: parallelism %d != completions %d: every shard must run at once", name, *spec.Parallelism, n)
		}
		if spec.BackoffLimit == nil || *spec.BackoffLimit != 0 {
			t.Errorf("job %s: backoffLimit must be 0: a restarted pod would run its shard twice", name)
		}
		if p := spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
			t.Errorf("job %s: restartPolicy %q, want Never", name, p)
		}
		cs := spec.Template.Spec.Containers
		if len(cs) != 1 {
			t.Fatalf("job %s: want one container, got %d", name, len(cs))
		}
		c := cs[0]
		args := flagValues(c.Args)
		if len(c.Args) == 0 || c.Args[0] != "run" {
			t.Errorf("job %s: args must start with the run command, got %q", name, c.Args)
		}
		if got, want := args["--shard"], "$(JOB_COMPLETION_INDEX)/"+strconv.Itoa(int(n)); got != want {
			t.Errorf("job %s: --shard=%q, want %q (N must equal completions)", name, got, want)
		}
		if out := args["--out"]; !strings.Contains(out, "$(JOB_COMPLETION_INDEX)") {
			t.Errorf("job %s: --out=%q: each shard must write its own file, named by the index", name, out)
		}
		for _, f := range []string{"--start-at", "--run-id", "--target"} {
			if args[f] == "" {
				t.Errorf("job %s: %s is not set: every shard needs the same value", name, f)
			}
		}
		checkEnvRefs(t, name, c, args, m)
		checkVolume(t, name, spec.Template.Spec, c, args["--out"], m)
		if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("job %s: memory request and limit must be set (sized from the per-user cost)", name)
		}
	}
}

// flagValues reads --name=value arguments; a flag given as two arguments
// fails the test elsewhere by being absent here.
func flagValues(args []string) map[string]string {
	out := map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "--") {
			out[k] = v
		}
	}
	return out
}

var secretish = regexp.MustCompile(`(?i)(key|token|secret|password|passwd|auth)`)

// checkEnvRefs: every $(VAR) in the args is defined, the API key comes from a
// Secret by reference, and no env value is written inline where a secret
// belongs.
func checkEnvRefs(t *testing.T, job string, c corev1.Container, args map[string]string, m *manifests) {
	t.Helper()
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
		if e.Value != "" && secretish.MatchString(e.Name) {
			t.Errorf("job %s: env %s has an inline value; a secret must come from a secretKeyRef", job, e.Name)
		}
		if ref := e.ValueFrom; ref != nil && ref.ConfigMapKeyRef != nil {
			cm, ok := m.configMaps[ref.ConfigMapKeyRef.Name]
			if !ok {
				t.Errorf("job %s: env %s refers to ConfigMap %q, which is not among the manifests", job, e.Name, ref.ConfigMapKeyRef.Name)
			} else if _, ok := cm.Data[ref.ConfigMapKeyRef.Key]; !ok {
				t.Errorf("job %s: env %s refers to key %q that ConfigMap %s lacks", job, e.Name, ref.ConfigMapKeyRef.Key, cm.Name)
			}
		}
	}
	for _, a := range c.Args {
		for _, ref := range regexp.MustCompile(`\$\(([A-Z_][A-Z0-9_]*)\)`).FindAllStringSubmatch(a, -1) {
			if ref[1] == "JOB_COMPLETION_INDEX" {
				continue // set by Kubernetes in an Indexed Job
			}
			if _, ok := env[ref[1]]; !ok {
				t.Errorf("job %s: argument %q uses $(%s), which the container does not define", job, a, ref[1])
			}
		}
	}
	keyEnv := args["--api-key-env"]
	if keyEnv == "" {
		t.Fatalf("job %s: --api-key-env is not set", job)
	}
	e, ok := env[keyEnv]
	if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
		t.Errorf("job %s: %s must come from a Secret (valueFrom.secretKeyRef)", job, keyEnv)
	}
	for _, cm := range m.configMaps {
		for k, v := range cm.Data {
			if secretish.MatchString(k) {
				t.Errorf("ConfigMap %s: key %q looks like a secret; use a Secret", cm.Name, k)
			}
			if strings.HasPrefix(v, "sk-") {
				t.Errorf("ConfigMap %s: key %q holds what looks like an API key", cm.Name, k)
			}
		}
	}
}

// checkVolume: the output file is on a mounted volume backed by one of the
// claims, so the files outlive the pods.
func checkVolume(t *testing.T, job string, pod corev1.PodSpec, c corev1.Container, out string, m *manifests) {
	t.Helper()
	var mount *corev1.VolumeMount
	for i := range c.VolumeMounts {
		vm := &c.VolumeMounts[i]
		if strings.HasPrefix(out, strings.TrimSuffix(vm.MountPath, "/")+"/") {
			mount = vm
		}
	}
	if mount == nil {
		t.Fatalf("job %s: --out=%q is not under any volume mount: the file would die with the pod", job, out)
	}
	if mount.ReadOnly {
		t.Errorf("job %s: the output volume is mounted read-only", job)
	}
	for _, v := range pod.Volumes {
		if v.Name != mount.Name {
			continue
		}
		if v.PersistentVolumeClaim == nil {
			t.Errorf("job %s: volume %s is not a PersistentVolumeClaim", job, v.Name)
			return
		}
		if _, ok := m.pvcs[v.PersistentVolumeClaim.ClaimName]; !ok {
			t.Errorf("job %s: claim %q is not among the manifests", job, v.PersistentVolumeClaim.ClaimName)
		}
		return
	}
	t.Errorf("job %s: mount %s has no volume", job, mount.Name)
}

// TestNoSecretInline scans the raw files for anything shaped like a key.
func TestNoSecretInline(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	key := regexp.MustCompile(`\b(sk-[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9._-]{16,})`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range bytes.Split(raw, []byte("\n")) {
			if key.Match(line) {
				t.Errorf("%s:%d holds what looks like a key", f, i+1)
			}
		}
	}
}
