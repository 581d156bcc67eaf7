package main

import (
	"fmt"
	"slices"
	"strings"
)

// goal is one target issue #6 sets chanx against another peer, checked on
// the medians of a run.
type goal struct {
	title   string
	applies func(scenario) bool
	other   string // the peer chanx is compared with
	// min is the least chanx/other ratio that meets the goal; 0 means
	// "ahead": more than the other peer, or less where lower is better.
	min float64
}

var goals = []goal{
	{title: "chanx ≥ 0.8× bare on request/reply", applies: isRequestReply, other: "bare", min: 0.8},
	{title: "chanx ≥ 0.9× bare on group broadcast over Redis", applies: isRedisBroadcast, other: "bare", min: 0.9},
	{title: "chanx ≥ 20× Django Channels on group broadcast over Redis", applies: isRedisBroadcast, other: "django", min: 20},
	{title: "chanx ahead of socket.io (for idle-memory: less memory per connection)", applies: func(s scenario) bool { return !s.chanxOnly }, other: "socketio"},
	// Issue #17: centrifuge is what a Go team would pick for fan-out.
	{title: "chanx ahead of centrifuge (for idle-memory: less memory per connection)", applies: func(s scenario) bool { return !s.chanxOnly }, other: "centrifuge"},
}

func isRequestReply(s scenario) bool   { return strings.HasPrefix(s.name, "rr-") }
func isRedisBroadcast(s scenario) bool { return strings.HasPrefix(s.name, "bcast-redis-") }

// verdict is one goal checked on one scenario.
type verdict struct {
	scenario string
	line     string
	measured bool
	missed   bool
}

// check compares chanx with g.other on s.
func (r *results) check(g goal, s scenario) verdict {
	v := verdict{scenario: s.name}
	for _, p := range []string{"chanx", g.other} {
		if e := r.errs[s.name][p]; e != "" {
			v.line = fmt.Sprintf("%s: not measured (%s failed: %s)", s.name, p, oneLine(e))
			return v
		}
		if len(r.figures[s.name][p]) == 0 {
			v.line = fmt.Sprintf("%s: not measured (no %s figure)", s.name, p)
			return v
		}
	}
	chanx, other := median(r.figures[s.name]["chanx"]), median(r.figures[s.name][g.other])
	if other <= 0 {
		v.line = fmt.Sprintf("%s: not measured (%s's median is %s)", s.name, g.other, num(other))
		return v
	}
	v.measured = true
	ratio := chanx / other
	name := displayName(g.other)
	switch {
	case g.min > 0:
		v.missed = ratio < g.min
		v.line = fmt.Sprintf("%s: chanx %s %s (target ≥ %g×)", s.name, times(ratio), name, g.min)
		if v.missed {
			v.line += fmt.Sprintf(": **missed** by %s", ratioNum(g.min-ratio))
		} else {
			v.line += ": met"
		}
	case s.lowerIsBetter:
		v.missed = chanx >= other
		v.line = fmt.Sprintf("%s: chanx %s %s vs %s %s %s, %s of it (target: less)", s.name, num(chanx), s.unit, name, num(other), s.unit, times(ratio))
		if v.missed {
			v.line += fmt.Sprintf(": **missed** by %s %s", num(chanx-other), s.unit)
		} else {
			v.line += ": met"
		}
	default:
		v.missed = chanx <= other
		v.line = fmt.Sprintf("%s: chanx %s %s (target: more)", s.name, times(ratio), name)
		if v.missed {
			v.line += fmt.Sprintf(": **missed** by %s", ratioNum(1-ratio))
		} else {
			v.line += ": met"
		}
	}
	return v
}

// writeTargets lists every goal that this run's peers and scenarios can
// check, and returns the scenarios where chanx missed one.
func (r *results) writeTargets(b *strings.Builder) (missed []string) {
	if !r.ran("chanx") {
		return nil
	}
	var lines []string
	met, total := 0, 0
	for _, g := range goals {
		if !r.ran(g.other) {
			continue
		}
		var vs []verdict
		for _, s := range r.cfg.scenarios {
			if g.applies(s) {
				vs = append(vs, r.check(g, s))
			}
		}
		if len(vs) == 0 {
			continue
		}
		lines = append(lines, "- "+g.title+":")
		for _, v := range vs {
			lines = append(lines, "  - "+v.line)
			if !v.measured {
				continue
			}
			total++
			if v.missed {
				if !slices.Contains(missed, v.scenario) {
					missed = append(missed, v.scenario)
				}
			} else {
				met++
			}
		}
	}
	if len(lines) == 0 {
		return nil
	}
	fmt.Fprintf(b, "\n### Targets\n\nComputed from the medians above (chanx's median / the other peer's median). Met %d of %d measured.\n\n", met, total)
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteString("\n")
	return missed
}

func (r *results) ran(peer string) bool {
	for _, p := range r.cfg.peers {
		if p.name == peer {
			return true
		}
	}
	return false
}

func displayName(peer string) string {
	switch peer {
	case "socketio":
		return "socket.io"
	case "django":
		return "Django Channels"
	}
	return peer
}

// times formats a ratio: 0.84×, 19.7×.
func times(x float64) string { return ratioNum(x) + "×" }

func ratioNum(x float64) string {
	if x >= 10 || x <= -10 {
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.2f", x)
}
