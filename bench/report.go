package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

const (
	sectionStart = "<!-- bench:start (written by go run ./bench; edit outside these markers) -->"
	sectionEnd   = "<!-- bench:end -->"
)

// markdown renders the run as a section of docs/PERFORMANCE.md.
func (r *results) markdown(command string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Side by side (bench)\n\n")
	fmt.Fprintf(&b, "- Date: %s\n", r.started.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- Machine: %s\n", machine())
	fmt.Fprintf(&b, "- Command: `%s` (%d run(s) of %s per figure; each server is its own process, the load generator another, over loopback)\n", command, r.cfg.runs, r.cfg.duration)
	fmt.Fprintf(&b, "- Figures: median (min–max) over runs; ratio = this peer's median / bare's median in the same run.\n\n")
	b.WriteString("| peer | what it is |\n|---|---|\n")
	for _, p := range r.cfg.peers {
		fmt.Fprintf(&b, "| %s | %s |\n", p.name, p.about)
	}
	b.WriteString("\n| scenario | unit |")
	for _, p := range r.cfg.peers {
		fmt.Fprintf(&b, " %s |", p.name)
	}
	b.WriteString("\n|---|---|")
	for range r.cfg.peers {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, s := range r.cfg.scenarios {
		fmt.Fprintf(&b, "| %s | %s |", s.name, s.unit)
		ref := median(r.figures[s.name]["bare"])
		for _, p := range r.cfg.peers {
			fs := r.figures[s.name][p.name]
			switch {
			case r.errs[s.name][p.name] != "":
				fmt.Fprintf(&b, " failed: %s |", oneLine(r.errs[s.name][p.name]))
			case len(fs) == 0:
				b.WriteString(" – |")
			default:
				vals := values(fs)
				fmt.Fprintf(&b, " %s (%s–%s)", num(median(fs)), num(slices.Min(vals)), num(slices.Max(vals)))
				if p.name != "bare" && ref > 0 {
					fmt.Fprintf(&b, " **%.2f×**", median(fs)/ref)
				}
				if x := medianFigure(fs).extra; x != "" {
					fmt.Fprintf(&b, "<br>%s", x)
				}
				if p50, p99 := latencies(fs); p50 > 0 {
					fmt.Fprintf(&b, "<br>p50 %s, p99 %s", p50, p99)
				}
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	r.writeCPU(&b)
	if missed := r.writeTargets(&b); len(missed) > 0 && r.cfg.profileDir != "" {
		r.writeProfiles(&b, missed)
	}
	b.WriteString("\nScenarios:\n")
	for _, s := range r.cfg.scenarios {
		fmt.Fprintf(&b, "- `%s`: %s.\n", s.name, s.about)
	}
	return b.String()
}

// writeCPU tables the CPU the load generator and each peer's servers used
// during the measured window of the median run, in cores (CPU seconds per
// second; the machine has runtime.NumCPU() of them). A generator near one
// core, or generator + server near the machine's cores, means the figure
// is bounded by the machine, not by the server alone.
func (r *results) writeCPU(b *strings.Builder) {
	var rows []string
	for _, s := range r.cfg.scenarios {
		if s.chanxOnly {
			continue
		}
		row := fmt.Sprintf("| %s |", s.name)
		measured := false
		for _, p := range r.cfg.peers {
			fs := r.figures[s.name][p.name]
			if len(fs) == 0 {
				row += " – |"
				continue
			}
			f := medianFigure(fs)
			if !f.cpuOK {
				row += " ? |"
				continue
			}
			measured = true
			row += fmt.Sprintf(" %.2f / %.2f", f.cpu.gen, f.cpu.srv)
			if !s.lowerIsBetter && f.value > 0 {
				// CPU per operation depends less on what else the
				// machine runs than the rate does.
				row += fmt.Sprintf("<br>%.1f / %.1f µs/op", f.cpu.gen/f.value*1e6, f.cpu.srv/f.value*1e6)
			}
			row += " |"
		}
		if measured {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### CPU in the measured window\n\nCores used (CPU seconds per second) by the load generator / by the peer's server processes, in the median run, and per operation (round trip, delivery, cycle) in CPU µs; the machine has %d. A generator near a whole core, or the two together near all cores, means the machine, not the server, set the figure; on a loaded machine the µs per operation of two peers compare better than their rates.\n\n| scenario |", runtime.NumCPU())
	for _, p := range r.cfg.peers {
		fmt.Fprintf(b, " %s |", p.name)
	}
	b.WriteString("\n|---|")
	for range r.cfg.peers {
		b.WriteString("---|")
	}
	b.WriteString("\n" + strings.Join(rows, "\n") + "\n")
}

func values(fs []figure) []float64 {
	out := make([]float64, len(fs))
	for i, f := range fs {
		out[i] = f.value
	}
	return out
}

func median(fs []figure) float64 {
	if len(fs) == 0 {
		return 0
	}
	v := values(fs)
	slices.Sort(v)
	return v[len(v)/2]
}

// latencies returns the latencies of the run with the median value.
func latencies(fs []figure) (time.Duration, time.Duration) {
	if len(fs) == 0 {
		return 0, 0
	}
	f := medianFigure(fs)
	return f.p50.Round(time.Microsecond), f.p99.Round(time.Microsecond)
}

func num(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.1fk", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// writeSection replaces the bench section of the markdown file at path
// (between the markers), or appends it when the file has none.
func writeSection(path, md string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	section := sectionStart + "\n" + md + sectionEnd + "\n"
	var out []byte
	i, j := bytes.Index(old, []byte(sectionStart)), bytes.Index(old, []byte(sectionEnd))
	if i >= 0 && j > i {
		out = append(append(append([]byte{}, old[:i]...), section...), bytes.TrimLeft(old[j+len(sectionEnd):], "\n")...)
	} else {
		if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n\n")) {
			old = append(old, '\n')
		}
		out = append(old, section...)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
