package nodetest

import (
	"os/exec"
	"testing"
)

// ChromiumFlags are the command-line flags a headless Chromium needs on a
// CI machine: no sandbox (tests run as root), no GPU, and nothing that
// reaches out to the network on its own. Callers add a fresh
// --user-data-dir.
var ChromiumFlags = []string{
	"--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--no-first-run",
}

// Chromium returns the path of the system's Chromium (Debian's chromium
// package: /usr/bin/chromium), for playwright-core's executablePath; tests
// never download a browser. Without one it skips the test, or fails it
// when CHANX_TEST_CHROMIUM=required.
func Chromium(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	skipOrFail(tb, EnvChromium, "chromium is not installed (apt-get install chromium); skipping the browser test (set "+EnvChromium+"=required to make this a failure)")
	return ""
}
