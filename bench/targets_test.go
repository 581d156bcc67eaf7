package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func scenarioNamed(t *testing.T, name string) scenario {
	t.Helper()
	ss, err := selectScenarios(name)
	if err != nil {
		t.Fatal(err)
	}
	return ss[0]
}

// testResults builds a run from medians: figs[scenario][peer].
func testResults(t *testing.T, figs map[string]map[string]float64, errs map[string]map[string]string) *results {
	t.Helper()
	r := &results{figures: map[string]map[string][]figure{}, errs: map[string]map[string]string{}}
	r.cfg.peers = peers
	for _, name := range []string{"rr-1", "bcast-redis-1", "idle-memory", "churn", "codegen-corpus"} {
		r.cfg.scenarios = append(r.cfg.scenarios, scenarioNamed(t, name))
		r.figures[name] = map[string][]figure{}
		r.errs[name] = errs[name]
		for p, v := range figs[name] {
			r.figures[name][p] = []figure{{value: v, run: 1}}
		}
	}
	return r
}

func TestTargetsSayMetOrMissedAndByHowMuch(t *testing.T) {
	r := testResults(t, map[string]map[string]float64{
		"rr-1":           {"bare": 1000, "chanx": 840, "django": 260, "socketio": 1300, "centrifuge": 800},
		"bcast-redis-1":  {"bare": 1000, "chanx": 640, "django": 32.5, "socketio": 500, "centrifuge": 700},
		"idle-memory":    {"bare": 24.5, "chanx": 25.6, "socketio": 17.2, "centrifuge": 27.9},
		"churn":          {"bare": 100, "chanx": 97, "django": 13, "socketio": 42, "centrifuge": 100},
		"codegen-corpus": {"chanx": 73},
	}, map[string]map[string]string{"idle-memory": {"django": "connection 5001 of 10000, 5000 open: reset"}})
	var b strings.Builder
	missed := r.writeTargets(&b)
	want := `
### Targets

Computed from the medians above (chanx's median / the other peer's median). Met 5 of 11 measured.

- chanx ≥ 0.8× bare on request/reply:
  - rr-1: chanx 0.84× bare (target ≥ 0.8×): met
- chanx ≥ 0.9× bare on group broadcast over Redis:
  - bcast-redis-1: chanx 0.64× bare (target ≥ 0.9×): **missed** by 0.26
- chanx ≥ 20× Django Channels on group broadcast over Redis:
  - bcast-redis-1: chanx 19.7× Django Channels (target ≥ 20×): **missed** by 0.31
- chanx ahead of socket.io (for idle-memory: less memory per connection):
  - rr-1: chanx 0.65× socket.io (target: more): **missed** by 0.35
  - bcast-redis-1: chanx 1.28× socket.io (target: more): met
  - idle-memory: chanx 25.6 KiB/conn vs socket.io 17.2 KiB/conn, 1.49× of it (target: less): **missed** by 8.4 KiB/conn
  - churn: chanx 2.31× socket.io (target: more): met
- chanx ahead of centrifuge (for idle-memory: less memory per connection):
  - rr-1: chanx 1.05× centrifuge (target: more): met
  - bcast-redis-1: chanx 0.91× centrifuge (target: more): **missed** by 0.09
  - idle-memory: chanx 25.6 KiB/conn vs centrifuge 27.9 KiB/conn, 0.92× of it (target: less): met
  - churn: chanx 0.97× centrifuge (target: more): **missed** by 0.03
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"bcast-redis-1", "rr-1", "idle-memory", "churn"}, missed); diff != "" {
		t.Errorf("missed scenarios (-want +got):\n%s", diff)
	}
}

func TestTargetsSayWhyAFigureIsMissing(t *testing.T) {
	r := testResults(t, map[string]map[string]float64{
		"rr-1":          {"bare": 1000, "chanx": 900},
		"bcast-redis-1": {"bare": 1000, "chanx": 950},
		"idle-memory":   {"chanx": 25.6},
	}, map[string]map[string]string{"bcast-redis-1": {"django": "connection 5 of 101, 4 open: reset"}})
	var b strings.Builder
	r.writeTargets(&b)
	for _, want := range []string{
		"  - bcast-redis-1: not measured (django failed: connection 5 of 101, 4 open: reset)\n",
		"  - rr-1: not measured (no socketio figure)\n",
		"Met 2 of 2 measured.",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("targets lack %q:\n%s", want, b.String())
		}
	}
}

func TestProfilesReportAFailingPprofInsteadOfAborting(t *testing.T) {
	r := testResults(t, map[string]map[string]float64{"rr-1": {"bare": 1000, "chanx": 500}}, nil)
	r.cfg.profileDir = t.TempDir()
	r.figures["rr-1"]["chanx"][0].profiles = []string{r.cfg.profileDir + "/missing.pprof"}
	r.figures["rr-1"]["bare"][0].profileErr = "cpu profile: bare did not exit within 10s of SIGTERM and was killed"
	var b strings.Builder
	r.writeProfiles(&b, []string{"rr-1"})
	for _, want := range []string{
		"#### rr-1\n\nchanx, run 1 (median of 1):\n\n```text\ngo tool pprof failed: ",
		"bare, run 1 (median of 1):\nno profile: cpu profile: bare did not exit within 10s of SIGTERM and was killed\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("profiles lack %q:\n%s", want, b.String())
		}
	}
}
