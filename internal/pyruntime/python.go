package pyruntime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/nodetest"
)

// Python is a python3 able to import pydantic 2.11+ and websockets.
type Python struct {
	// Bin is the interpreter.
	Bin string
	// Pydantic and Websockets are the versions it imports.
	Pydantic, Websockets string
	// WebsocketsAPI is the websockets API the client runtime picks:
	// "asyncio" (websockets 13 and later) or "legacy".
	WebsocketsAPI string
	// ExtraPath is the folder put on PYTHONPATH so that websockets is
	// importable, or "" when the interpreter finds it on its own.
	ExtraPath string
}

// runTimeout bounds every python3 or pyright run: a guard against a hang,
// not a speed check, so it leaves room for a strict pyright run of the
// whole corpus on a machine several test processes share.
const runTimeout = 5 * time.Minute

var (
	probeOnce sync.Once
	probed    *Python
	probeErr  error
)

// Find returns the python3 for tests. It skips the test (fails with
// CHANX_TEST_PYTHON=required) when python3, pydantic 2.11+ or websockets is
// missing, saying what to install.
func Find(t testing.TB) *Python {
	t.Helper()
	probeOnce.Do(func() {
		bin := os.Getenv("CHANX_PYTHON")
		if bin == "" {
			bin = "python3"
		}
		probed, probeErr = probe(bin, debianWebsockets)
	})
	skipOrFail(t, probeErr)
	return probed
}

// skipOrFail skips the test when err is not nil, or fails it with
// CHANX_TEST_PYTHON=required.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CHANX_TEST_PYTHON") == "required" {
		t.Fatalf("pyruntime: %v", err)
	}
	t.Skipf("pyruntime: %v (CHANX_TEST_PYTHON=required makes this fail)", err)
}

// probe checks the interpreter bin; locate finds a websockets package the
// interpreter does not see on its own.
func probe(bin string, locate func() (string, error)) (*Python, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("no python3: %w", err)
	}
	py := &Python{Bin: path}
	out, err := py.output(nil, "-c", "import pydantic; print(pydantic.VERSION)")
	if err != nil {
		return nil, fmt.Errorf("%s cannot import pydantic: %w", path, err)
	}
	if py.Pydantic = strings.TrimSpace(out); !pydantic211(py.Pydantic) {
		return nil, fmt.Errorf("%s has pydantic %s; the clients need pydantic 2.11 or later", path, py.Pydantic)
	}
	const version = "import websockets; print(websockets.__version__)"
	out, err = py.output(nil, "-c", version)
	if err != nil {
		dir, lerr := locate()
		if lerr != nil {
			return nil, fmt.Errorf("%s cannot import websockets (apt-get install python3-websockets): %v", path, lerr)
		}
		py.ExtraPath = dir
		if out, err = py.output(nil, "-c", version); err != nil {
			return nil, fmt.Errorf("%s cannot import websockets even from %s: %w", path, dir, err)
		}
	}
	py.Websockets = strings.TrimSpace(out)
	out, err = py.output(nil, "-c", "import importlib.util as u; print('asyncio' if u.find_spec('websockets.asyncio') else 'legacy')")
	if err != nil {
		return nil, err
	}
	py.WebsocketsAPI = strings.TrimSpace(out)
	return py, nil
}

// pydantic211 reports whether version is a pydantic 2 release from 2.11
// on, the first with Field(exclude_if=...), which the clients use.
func pydantic211(version string) bool {
	major, rest, _ := strings.Cut(version, ".")
	minor, _, _ := strings.Cut(rest, ".")
	m, err := strconv.Atoi(minor)
	return major == "2" && err == nil && m >= 11
}

// debianWebsockets finds the websockets package python3-websockets
// installed (dpkg -L) and returns a folder holding only a link to it. The
// folder's name comes from the package's path, so every test process
// shares one instead of leaving a folder each.
func debianWebsockets() (string, error) {
	out, err := exec.Command("dpkg", "-L", "python3-websockets").Output()
	if err != nil {
		return "", fmt.Errorf("dpkg -L python3-websockets: %w", err)
	}
	pkg := ""
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(line, "/websockets/__init__.py") {
			pkg = filepath.Dir(line)
			break
		}
	}
	if pkg == "" {
		return "", errors.New("python3-websockets lists no websockets/__init__.py")
	}
	sum := sha256.Sum256([]byte(pkg))
	root := filepath.Join(os.TempDir(), "chanx-pywebsockets-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	link := filepath.Join(root, "websockets")
	if err := os.Symlink(pkg, link); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	if got, err := os.Readlink(link); err != nil || got != pkg {
		return "", fmt.Errorf("%s should link to %s (remove it): %v", link, pkg, err)
	}
	return root, nil
}

// Env is the environment python3 runs with: PYTHONPATH holds paths (the
// folders holding the packages under test) and ExtraPath; no bytecode is
// written, so testdata stays clean.
func (py *Python) Env(paths ...string) []string {
	if py.ExtraPath != "" {
		paths = append(paths, py.ExtraPath)
	}
	env := []string{"PYTHONDONTWRITEBYTECODE=1", "PYTHONPATH=" + strings.Join(paths, string(os.PathListSeparator))}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYTHONPATH=") && !strings.HasPrefix(kv, "PYTHONDONTWRITEBYTECODE=") {
			env = append(env, kv)
		}
	}
	return env
}

func (py *Python) output(env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py.Bin, args...)
	cmd.Env = env
	if env == nil {
		cmd.Env = py.Env()
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// Run runs python3 with args and env (see Env) and returns its stdout; a
// failure or a run over runTimeout fails the test with stderr.
func (py *Python) Run(t testing.TB, env []string, args ...string) string {
	t.Helper()
	out, err := py.output(env, args...)
	if err != nil {
		t.Fatalf("python3 %s: %v\nstdout: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// Pyright is a pyright command line.
type Pyright struct{ Bin string }

// FindPyright returns pyright: $CHANX_PYRIGHT when set, else the one
// pinned in js/package-lock.json (internal/nodetest installs it, and skips
// the test without Node unless CHANX_TEST_NODE=required).
func FindPyright(t testing.TB) *Pyright {
	t.Helper()
	if bin := os.Getenv("CHANX_PYRIGHT"); bin != "" {
		path, err := exec.LookPath(bin)
		if err != nil {
			t.Fatalf("pyruntime: CHANX_PYRIGHT: %v", err)
		}
		return &Pyright{Bin: path}
	}
	return &Pyright{Bin: nodetest.Require(t).Pyright()}
}

// Diagnostic is one pyright finding.
type Diagnostic struct {
	File     string `json:"file"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Rule     string `json:"rule"`
	Range    struct {
		Start struct{ Line, Character int } `json:"start"`
	} `json:"range"`
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s (%s)", d.File, d.Range.Start.Line+1, d.Range.Start.Character+1, d.Severity, d.Message, d.Rule)
}

// Check type-checks dir in strict mode, with the packages py imports
// (pydantic, websockets) resolvable, and returns the errors and warnings.
// It writes dir/pyrightconfig.json.
func (p *Pyright) Check(t testing.TB, py *Python, dir string) []Diagnostic {
	t.Helper()
	return p.CheckFor(t, py, dir, "")
}

// CheckFor is Check for the Python version pythonVersion ("3.10"; "" is
// the interpreter's), so that code meant for older Pythons is checked
// against their standard library.
func (p *Pyright) CheckFor(t testing.TB, py *Python, dir, pythonVersion string) []Diagnostic {
	t.Helper()
	cfg := map[string]any{"typeCheckingMode": "strict", "reportMissingModuleSource": "error"}
	if pythonVersion != "" {
		cfg["pythonVersion"] = pythonVersion
	}
	if py.ExtraPath != "" {
		cfg["extraPaths"] = []string{py.ExtraPath}
	}
	return p.check(t, py, dir, cfg)
}

// CheckWithStubs is Check with the stub packages in stubs standing for the
// installed ones: websockets is resolved only there (py's ExtraPath is
// left out), and a stub without its source is no error.
func (p *Pyright) CheckWithStubs(t testing.TB, py *Python, dir, stubs string) []Diagnostic {
	t.Helper()
	return p.check(t, py, dir, map[string]any{"typeCheckingMode": "strict", "reportMissingModuleSource": "none", "stubPath": stubs})
}

func (p *Pyright) check(t testing.TB, py *Python, dir string, cfg map[string]any) []Diagnostic {
	t.Helper()
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "pyrightconfig.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.Bin, "--outputjson", "--pythonpath", py.Bin, "--project", dir)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res struct {
		Diagnostics []Diagnostic `json:"generalDiagnostics"`
		Summary     struct {
			FilesAnalyzed int `json:"filesAnalyzed"`
		} `json:"summary"`
	}
	// pyright exits 1 when it reports errors; anything else, or output
	// that is not its JSON, is a failure to run.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) || json.Unmarshal(out, &res) != nil {
		t.Fatalf("pyright: %v\n%s\n%s", err, out, stderr.String())
	}
	if res.Summary.FilesAnalyzed == 0 {
		t.Fatalf("pyright analysed no file in %s", dir)
	}
	var found []Diagnostic
	for _, d := range res.Diagnostics {
		if d.Severity != "information" {
			found = append(found, d)
		}
	}
	return found
}
