package nodetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment variables that turn a skip into a failure.
const (
	// EnvRequired set to "required" makes a missing node or npm, or a
	// failed npm ci, fail the test instead of skipping it.
	EnvRequired = "CHANX_TEST_NODE"
	// EnvChromium set to "required" makes a missing Chromium fail the test.
	EnvChromium = "CHANX_TEST_CHROMIUM"
)

// installTimeout bounds npm ci: a cold cache downloads about 100 MB.
const installTimeout = 5 * time.Minute

// stampName is the file in node_modules that records which lockfile and
// which Node the folder was installed for.
const stampName = ".chanx-installed"

// Tools are the pinned Node tools, installed in Dir/node_modules.
type Tools struct {
	// Node and NPM are the executables found on PATH.
	Node, NPM string
	// Dir is the repository's js/ folder (package.json, package-lock.json).
	Dir string
	// NodeModules is Dir/node_modules.
	NodeModules string
}

// Bin returns the path of an executable the pinned packages install, e.g.
// "tsc", "esbuild" or "pyright".
func (t *Tools) Bin(name string) string {
	return filepath.Join(t.NodeModules, ".bin", name)
}

// Tsc is the pinned TypeScript compiler.
func (t *Tools) Tsc() string { return t.Bin("tsc") }

// Esbuild is the pinned esbuild.
func (t *Tools) Esbuild() string { return t.Bin("esbuild") }

// Pyright is the pinned pyright.
func (t *Tools) Pyright() string { return t.Bin("pyright") }

// LinkModules makes dir/node_modules a symbolic link to the pinned
// node_modules, so that scripts and bundles in a test's temporary folder
// resolve bare imports ("ws", "playwright-core") the way Node resolves
// them: from the importing file's folder upwards.
func (t *Tools) LinkModules(tb testing.TB, dir string) {
	tb.Helper()
	if err := os.Symlink(t.NodeModules, filepath.Join(dir, "node_modules")); err != nil {
		tb.Fatalf("nodetest: link node_modules into %s: %v", dir, err)
	}
}

// Run runs name (a path or a name on PATH) with args in dir and returns
// its combined output, failing the test with that output when it exits
// non-zero or outlives timeout.
func (t *Tools) Run(tb testing.TB, dir string, timeout time.Duration, name string, args ...string) string {
	tb.Helper()
	out, err := t.Try(tb, dir, timeout, name, args...)
	if err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	return out
}

// Try is Run returning the error instead of failing, for commands that are
// expected to fail (a tsc run that must report an error).
func (t *Tools) Try(tb testing.TB, dir string, timeout time.Duration, name string, args ...string) (string, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s %s: no result within %v: %w", filepath.Base(name), strings.Join(args, " "), timeout, ctx.Err())
	} else if err != nil {
		err = fmt.Errorf("%s %s: %w", filepath.Base(name), strings.Join(args, " "), err)
	}
	return out.String(), err
}

var (
	once     sync.Once
	tools    *Tools
	setupErr error
	missing  bool // node or npm is not installed (a skip, not a failure)
)

// Require returns the pinned tools, installing them on first use in the
// process. Without node or npm, or when npm ci fails, it skips the test
// (fails it when CHANX_TEST_NODE=required).
func Require(tb testing.TB) *Tools {
	tb.Helper()
	once.Do(func() { tools, missing, setupErr = setup() })
	if setupErr != nil {
		if missing {
			skipOrFail(tb, EnvRequired, setupErr.Error()+" (set "+EnvRequired+"=required to make this a failure)")
		} else {
			skipOrFail(tb, EnvRequired, setupErr.Error())
		}
	}
	return tools
}

func skipOrFail(tb testing.TB, env, msg string) {
	tb.Helper()
	if os.Getenv(env) == "required" {
		tb.Fatalf("nodetest: %s (%s=required)", msg, env)
	}
	tb.Skip("nodetest: " + msg)
}

func setup() (*Tools, bool, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, true, errors.New("node is not installed: skipping the test that needs it")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, true, errors.New("npm is not installed: skipping the test that needs it")
	}
	dir, err := jsDir()
	if err != nil {
		return nil, false, err
	}
	t := &Tools{Node: node, NPM: npm, Dir: dir, NodeModules: filepath.Join(dir, "node_modules")}
	if err := t.install(); err != nil {
		return nil, false, err
	}
	return t, false, nil
}

// jsDir finds the js/ folder of the repository the test runs in, walking
// up from the working directory (a package's folder under go test).
func jsDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find js/: %w", err)
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			js := filepath.Join(d, "js")
			if _, err := os.Stat(filepath.Join(js, "package-lock.json")); err != nil {
				return "", fmt.Errorf("find js/: %s has no js/package-lock.json", d)
			}
			return js, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("find js/: no go.mod above %s", wd)
		}
		d = parent
	}
}

// install runs npm ci unless node_modules already holds this lockfile for
// this Node version, holding a lock so that concurrent test processes do
// not install over each other.
func (t *Tools) install() error {
	unlock, err := lockFile(filepath.Join(t.Dir, ".install.lock"))
	if err != nil {
		return fmt.Errorf("lock %s: %w", t.Dir, err)
	}
	defer unlock()
	want, err := t.stamp()
	if err != nil {
		return err
	}
	stampPath := filepath.Join(t.NodeModules, stampName)
	if have, err := os.ReadFile(stampPath); err == nil && string(have) == want {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = t.Dir
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", t.Dir, err, out)
	}
	for _, bin := range []string{"tsc", "esbuild"} {
		if _, err := os.Stat(t.Bin(bin)); err != nil {
			return fmt.Errorf("npm ci in %s installed no %s: %v", t.Dir, bin, err)
		}
	}
	if err := os.WriteFile(stampPath, []byte(want), 0o644); err != nil {
		return fmt.Errorf("record the install: %w", err)
	}
	return nil
}

// stamp identifies an install: the lockfile's hash and Node's version
// (esbuild and TypeScript install a binary for the platform).
func (t *Tools) stamp() (string, error) {
	lock, err := os.ReadFile(filepath.Join(t.Dir, "package-lock.json"))
	if err != nil {
		return "", err
	}
	out, err := exec.Command(t.Node, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("node --version: %w", err)
	}
	sum := sha256.Sum256(lock)
	return hex.EncodeToString(sum[:]) + " " + strings.TrimSpace(string(out)) + "\n", nil
}
