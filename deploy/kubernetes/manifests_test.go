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
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psa "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
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

// pod is one pod the manifests create: a Pod, or a Job's template.
type pod struct {
	meta *metav1.ObjectMeta
	spec *corev1.PodSpec
}

// pods are the pods the manifests create, by kind and name.
func (m *manifests) podsCreated() map[string]pod {
	out := map[string]pod{}
	for name, j := range m.jobs {
		out["job "+name] = pod{&j.Spec.Template.ObjectMeta, &j.Spec.Template.Spec}
	}
	for name, p := range m.pods {
		out["pod "+name] = pod{&p.ObjectMeta, &p.Spec}
	}
	return out
}

// restricted evaluates a pod against the "restricted" Pod Security
// Standard, latest version, with the checks the admission controller of a
// namespace labelled pod-security.kubernetes.io/enforce=restricted runs;
// it returns the reasons it would be refused.
func restricted(t *testing.T, p pod) []string {
	t.Helper()
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var refused []string
	for _, r := range ev.EvaluatePod(psa.LevelVersion{Level: psa.LevelRestricted, Version: psa.LatestVersion()}, p.meta, p.spec) {
		if !r.Allowed {
			refused = append(refused, r.ForbiddenReason+": "+r.ForbiddenDetail)
		}
	}
	return refused
}

// TestRestrictedPodSecurity: every pod the manifests create is admitted in
// a namespace that enforces the "restricted" Pod Security Standard, by the
// official checks (k8s.io/pod-security-admission), and holds each rule
// this project relies on, checked here one by one: non-root, a RuntimeDefault
// or Localhost seccomp profile, no privilege escalation, every capability
// dropped, not privileged, no host namespaces, ports or paths, only the
// volume types the standard allows; and, beyond it, a read-only root file
// system and no service account token.
func TestRestrictedPodSecurity(t *testing.T) {
	m := load(t)
	pods := m.podsCreated()
	if len(pods) < 2 {
		t.Fatalf("want the Job's pods and the collect pod, got %d pods", len(pods))
	}
	allowedVolumes := func(v corev1.Volume) bool {
		s := v.VolumeSource
		return s.ConfigMap != nil || s.CSI != nil || s.DownwardAPI != nil || s.EmptyDir != nil || s.Ephemeral != nil ||
			s.PersistentVolumeClaim != nil || s.Projected != nil || s.Secret != nil
	}
	for name, p := range pods {
		if refused := restricted(t, p); len(refused) > 0 {
			t.Errorf("%s: refused by the restricted profile: %s", name, strings.Join(refused, "; "))
		}
		spec := p.spec
		sc := spec.SecurityContext
		if sc == nil || sc.SeccompProfile == nil ||
			(sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault && sc.SeccompProfile.Type != corev1.SeccompProfileTypeLocalhost) {
			t.Errorf("%s: the pod's securityContext.seccompProfile.type must be RuntimeDefault (or Localhost)", name)
		}
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
			t.Errorf("%s: the pod must set runAsNonRoot and a non-zero runAsUser", name)
		}
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			t.Errorf("%s: shares a host namespace", name)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken must be false: the pod never talks to the Kubernetes API", name)
		}
		for _, v := range spec.Volumes {
			if v.HostPath != nil || !allowedVolumes(v) {
				t.Errorf("%s: volume %s is of a type the restricted profile refuses", name, v.Name)
			}
		}
		for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
			where := name + " container " + c.Name
			cs := c.SecurityContext
			if cs == nil {
				t.Errorf("%s: no securityContext", where)
				continue
			}
			if cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", where)
			}
			if cs.Privileged != nil && *cs.Privileged {
				t.Errorf("%s: privileged", where)
			}
			if cs.Capabilities == nil || len(cs.Capabilities.Drop) != 1 || cs.Capabilities.Drop[0] != "ALL" || len(cs.Capabilities.Add) > 0 {
				t.Errorf("%s: capabilities must drop ALL and add none", where)
			}
			if cs.SeccompProfile != nil && cs.SeccompProfile.Type == corev1.SeccompProfileTypeUnconfined {
				t.Errorf("%s: seccomp Unconfined", where)
			}
			if cs.RunAsUser != nil && *cs.RunAsUser == 0 || cs.RunAsNonRoot != nil && !*cs.RunAsNonRoot {
				t.Errorf("%s: runs as root", where)
			}
			if cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem {
				t.Errorf("%s: readOnlyRootFilesystem must be true", where)
			}
			for _, port := range c.Ports {
				if port.HostPort != 0 {
					t.Errorf("%s: host port %d", where, port.HostPort)
				}
			}
		}
	}
}

// TestRestrictedCheckBites: the official checks refuse the manifests' pods
// without a seccomp profile, and with a capability added back, so the test
// above can fail.
func TestRestrictedCheckBites(t *testing.T) {
	m := load(t)
	for name, p := range m.podsCreated() {
		spec := p.spec.DeepCopy()
		spec.SecurityContext.SeccompProfile = nil
		if refused := restricted(t, pod{p.meta, spec}); len(refused) == 0 || !strings.Contains(strings.Join(refused, " "), "seccompProfile") {
			t.Errorf("%s without a seccomp profile: refused for %q; want seccompProfile", name, refused)
		}
		spec = p.spec.DeepCopy()
		spec.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_RAW"}
		if refused := restricted(t, pod{p.meta, spec}); len(refused) == 0 {
			t.Errorf("%s with NET_RAW added: admitted", name)
		}
	}
}

// TestStartAtIsAPlaceholder: the shipped ConfigMap's start-at is a
// placeholder that is no time at all, so a Job applied without setting it
// fails at once (llmrec refuses it) instead of running a schedule that is
// already over.
func TestStartAtIsAPlaceholder(t *testing.T) {
	m := load(t)
	found := false
	for _, cm := range m.configMaps {
		v, ok := cm.Data["start-at"]
		if !ok {
			continue
		}
		found = true
		if _, err := time.Parse(time.RFC3339Nano, v); err == nil || !strings.Contains(v, "SET-ME") {
			t.Errorf("ConfigMap %s: start-at %q; want the placeholder SET-ME, which is no RFC 3339 time", cm.Name, v)
		}
	}
	if !found {
		t.Fatal("no ConfigMap holds start-at")
	}
}
