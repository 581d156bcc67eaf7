package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/ir"
)

// ReadFailures reads the failures from a JSON report (--json output) or
// from a single failure object.
func ReadFailures(data []byte) ([]*Failure, error) {
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("read failures: %w", err)
	}
	var out []*Failure
	for _, res := range rep.Results {
		if res.Failure != nil {
			out = append(out, compactFrames(res.Failure))
		}
	}
	if rep.Results != nil {
		return out, nil
	}
	var f Failure
	if err := json.Unmarshal(data, &f); err != nil || f.Check == "" {
		return nil, errors.New("read failures: neither a conformance report nor a failure")
	}
	return []*Failure{compactFrames(&f)}, nil
}

// compactFrames undoes the report's indentation inside recorded frames, so
// that a replay sends the bytes the run sent.
func compactFrames(f *Failure) *Failure {
	for _, raw := range []*json.RawMessage{&f.Case.Frame, &f.Original} {
		if len(*raw) == 0 {
			continue
		}
		var b bytes.Buffer
		if json.Compact(&b, *raw) == nil {
			*raw = b.Bytes()
		}
	}
	return f
}

// Replay runs a recorded failure's case again against the server at
// baseURL and judges the same check. It returns the new failure, nil when
// the check now passes, and the new transcript either way. The options
// should match the original run's (timeouts, headers, params).
func Replay(ctx context.Context, api *ir.API, baseURL string, f *Failure, opts ...Option) (*Failure, []Event, error) {
	o := newOptions(append(opts, WithSeed(f.Seed), WithShrinkBudget(0)))
	base, query, err := parseBase(baseURL)
	if err != nil {
		return nil, nil, err
	}
	o.urlHasPath = hasPath(base)
	plans, err := plan(api, o)
	if err != nil {
		return nil, nil, fmt.Errorf("replay: %w", err)
	}
	var p *channelPlan
	for _, x := range plans {
		if x.ch.Name == f.Channel {
			p = x
		}
	}
	if p == nil || p.skip != "" {
		return nil, nil, fmt.Errorf("replay: channel %q is not in the document or cannot be tested", f.Channel)
	}
	p.paths[0] = f.Case.Path
	var op *opPlan
	for _, x := range p.ops {
		if x.op.Name == f.Operation {
			op = x
		}
	}
	r := &runner{o: o, base: base, query: query, results: map[string]*Result{}}
	// What the run learnt before its cases, learnt again: what the
	// server sends unprompted, its fence, whether it answers an unknown
	// discriminator (the isolation case's marker).
	r.learnUnprompted(ctx, p)
	r.findFence(ctx, p)
	r.probeMarker(ctx, p)
	judge := map[string]bool{f.Check: true}
	var v verdicts
	var tr []Event
	switch f.Case.Kind {
	case "valid", "invalid", "isolation":
		if op == nil {
			// frames-declared failures carry no operation; find the one
			// whose messages include the frame.
			op = opFor(p, f.Case.Frame)
		}
		if op == nil {
			return nil, nil, fmt.Errorf("replay: no receive operation on channel %s takes %s", f.Channel, f.Case.Frame)
		}
		tf, err := frameFor(p, op, f.Case.Frame)
		if err != nil {
			return nil, nil, err
		}
		tf.origin = f.Case.Origin
		v, tr = r.runFrameCase(ctx, p, op, f.Case.Kind, tf, judge)
	case "malformed":
		v, tr = r.malformedCase(ctx, p, f.Case, judge)
	case "handshake", "connect":
		// A connect failure is about what the server sent unprompted on
		// connect: the handshake case listens for it too.
		v, tr = r.handshakeCase(ctx, p, f.Case.Path)
	case "probe":
		cr := r.newCase(p)
		a, err := cr.dial(ctx, "A", f.Case.Path)
		v = verdicts{CheckHandshake: ""}
		if err != nil {
			v[CheckHandshake] = fmt.Sprintf("handshake to %s failed: %v", f.Case.Path, err)
		} else {
			if len(f.Case.Frame) > 0 {
				a.send(ctx, websocket.MessageText, f.Case.Frame, o.timeout)
				_ = listen(ctx, a, o.timeout, nil)
			}
			a.close()
		}
		for k, x := range cr.verdicts() {
			v[k] = x
		}
		tr = cr.rec.list()
	default:
		return nil, nil, fmt.Errorf("replay: unknown case kind %q", f.Case.Kind)
	}
	msg, judged := v[f.Check]
	if !judged || msg == "" {
		return nil, tr, nil
	}
	nf := *f
	nf.Message, nf.Transcript, nf.Original = msg, tr, nil
	return &nf, tr, nil
}

func opFor(p *channelPlan, frame json.RawMessage) *opPlan {
	for _, op := range p.ops {
		if _, err := frameFor(p, op, frame); err == nil {
			return op
		}
	}
	return nil
}

// frameFor decodes a recorded frame and finds the message it was made
// for: the one its discriminator names.
func frameFor(p *channelPlan, op *opPlan, raw json.RawMessage) (testFrame, error) {
	v, ok := decode(frame{typ: websocket.MessageText, data: raw})
	if !ok {
		return testFrame{}, fmt.Errorf("replay: the recorded frame is not JSON: %s", raw)
	}
	for _, m := range op.msgs {
		d := p.in.Value(m)
		obj, isObj := v.(map[string]any)
		if len(op.msgs) == 1 || d != "" && isObj && obj[p.inProp] == d {
			return testFrame{msg: m, value: v}, nil
		}
	}
	return testFrame{}, fmt.Errorf("replay: the recorded frame %s is not a message of operation %s", raw, op.op.Name)
}
