package main

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// writeProfiles shows, for each scenario where chanx missed a target, the
// top of the CPU profiles of chanx and of bare from their median runs, so
// the report says where chanx's time goes next to where the limit's does.
func (r *results) writeProfiles(b *strings.Builder, missed []string) {
	fmt.Fprintf(b, "\n### Profiles where chanx missed a target\n\n")
	fmt.Fprintf(b, "`go tool pprof -top -nodecount=12` of each Go peer's median run: the CPU profile of the measured window only (the load generator signals the server around it; in two-process scenarios both servers' profiles are merged, so their durations and samples add up); for idle-memory the heap profile (`-sample_index=inuse_space`) taken with every connection open, which counts the Go heap but not the goroutine stacks RSS also holds. Files: `%s`.\n", r.cfg.profileDir)
	for _, name := range missed {
		i := slices.IndexFunc(r.cfg.scenarios, func(s scenario) bool { return s.name == name })
		memory := i >= 0 && r.cfg.scenarios[i].memory
		fmt.Fprintf(b, "\n#### %s\n", name)
		for _, peer := range []string{"chanx", "bare"} {
			fs := r.figures[name][peer]
			if len(fs) == 0 {
				continue
			}
			f := medianFigure(fs)
			fmt.Fprintf(b, "\n%s, run %d (median of %d):\n", peer, f.run, len(fs))
			files, args := f.profiles, []string(nil)
			if memory {
				files, args = f.heapProfiles, []string{"-sample_index=inuse_space"}
			}
			switch {
			case len(files) == 0 && f.profileErr != "":
				fmt.Fprintf(b, "no profile: %s\n", oneLine(f.profileErr))
			case len(files) == 0:
				b.WriteString("no profile\n")
			default:
				b.WriteString("\n```text\n" + pprofTop(args, files) + "\n```\n")
			}
		}
	}
}

// medianFigure is the run whose value is the median.
func medianFigure(fs []figure) figure {
	m := median(fs)
	for _, f := range fs {
		if f.value == m {
			return f
		}
	}
	return fs[0]
}

// pprofTop runs go tool pprof -top with args on the files (merged when
// several) and keeps the type, the duration, the summary and the entries; a
// failure is returned as text for the report.
func pprofTop(args, files []string) string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "go tool pprof failed: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args = append(append([]string{"tool", "pprof", "-top", "-nodecount=12"}, args...), files...)
	out, err := exec.CommandContext(ctx, goBin, args...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("go tool pprof failed: %v\n%s", err, tail(out, 1000))
	}
	var keep []string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "File:"), strings.HasPrefix(line, "Build ID:"),
			strings.HasPrefix(line, "Time:"):
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}
