package goapi

import (
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/golang"
	"github.com/chanxgo/chanx/codegen/plan"
)

// topicModel is one topic class (the x-topic channels of one x-topic
// name): its parameters, handler interface, push senders and the routes
// serving it (a hub's address, a dedicated route).
type topicModel struct {
	Name    string // the x-topic name ("room_topic")
	Class   string // the runtime's class name ("RoomTopic")
	Pattern string
	// TopicExpr is the Go expression, over p of type Params, that fills
	// the pattern.
	TopicExpr string

	Params        string
	ParamFields   []*paramModel
	Subscription  string
	Handler       string
	Unimplemented string
	Mount         string
	Pusher        string
	New           string
	Subscribe     string
	Discriminator string
	// Dedicated, on the client, is the address of the class's dedicated
	// route when the pattern's parameters fill it, with DedicatedConst
	// naming it and NewDedicated the function preparing a client of it.
	Dedicated      string
	DedicatedConst string
	NewDedicated   string

	Handlers []*topicHandlerModel
	Pushes   []*topicPushModel
	Routes   []*topicRouteModel
	Requests []*topicRequestModel
}

type topicHandlerModel struct {
	Method    string
	Message   string
	Operation string
	Action    string
	Request   string // "*RoomChatMessage"
	Reply     string // "" without a reply
}

type topicPushModel struct {
	Message string
	Type    string // "*RoomEventMessage"
	Action  string
	Push    string // the Pusher's method
	Send    string // the server Subscription's method
	On      string // the client Subscription's handler setter
}

type topicRouteModel struct {
	Channel   string
	Address   string
	Dedicated bool
}

type topicRequestModel struct {
	Message     string
	Type        string
	Send        string
	Request     string // "" without a reply
	ReplyType   string
	ReplyAction string
}

// topicClasses groups the document's topic channels by x-topic name, in
// document order.
func (g *gen) topicClasses() [][]*plan.Channel {
	var order []string
	by := map[string][]*plan.Channel{}
	for _, cp := range g.plan.Channels {
		if cp.Topic == nil || !cp.Mountable {
			continue
		}
		if _, ok := by[cp.Topic.Name]; !ok {
			order = append(order, cp.Topic.Name)
		}
		by[cp.Topic.Name] = append(by[cp.Topic.Name], cp)
	}
	out := make([][]*plan.Channel, len(order))
	for i, n := range order {
		out[i] = by[n]
	}
	return out
}

// topicBase names a topic class and its parameters.
func (g *gen) topicBase(cps []*plan.Channel, server bool) *topicModel {
	t := cps[0].Topic
	tm := &topicModel{Name: t.Name, Class: golang.ExportedName(t.Name), Pattern: t.Pattern}
	b := g.ns.takeFamily(goName(t.Name, "Topic"), func(b string) []string {
		return []string{b, b + "Params", b + "Subscription", b + "Handler", "Unimplemented" + b + "Handler", "Mount" + b, "New" + b + "Subscription", "Subscribe" + b, b + "DedicatedAddress", "New" + b + "Dedicated"}
	})
	tm.DedicatedConst, tm.NewDedicated = b+"DedicatedAddress", "New"+b+"Dedicated"
	tm.Pusher, tm.Params, tm.Subscription = b, b+"Params", b+"Subscription"
	tm.Handler, tm.Unimplemented, tm.Mount = b+"Handler", "Unimplemented"+b+"Handler", "Mount"+b
	tm.New, tm.Subscribe = "New"+b+"Subscription", "Subscribe"+b
	fields := newNamespace()
	fields.reserve("Topic")
	var expr []string
	for i, p := range t.Parameters {
		f := &paramModel{Name: p, Field: fields.take(goName(p, "Param"))}
		tm.ParamFields = append(tm.ParamFields, f)
		if t.Parts[i] != "" {
			expr = append(expr, strconv.Quote(t.Parts[i]))
		}
		expr = append(expr, "p."+f.Field)
	}
	if last := t.Parts[len(t.Parts)-1]; last != "" || len(expr) == 0 {
		expr = append(expr, strconv.Quote(last))
	}
	tm.TopicExpr = strings.Join(expr, " + ")
	for _, cp := range cps {
		tm.Routes = append(tm.Routes, &topicRouteModel{Channel: cp.Name, Address: cp.Address, Dedicated: cp.Topic.Dedicated})
		if tm.Discriminator == "" {
			tm.Discriminator = firstOf(cp.Server.Key, cp.Client.Key)
		}
	}
	return tm
}

// serverTopics fills m.Topics for the server: one handler interface per
// class, its receives (the union over its channels, by message) with
// their replies, and its pushes.
func (g *gen) serverTopics(m *fileModel, marked map[string]bool, imports map[string]bool) {
	for _, cps := range g.topicClasses() {
		tm := g.topicBase(cps, true)
		methods := newNamespace()
		methods.reserve("Authorize", "OnSubscribe", "OnUnsubscribe")
		sends := newNamespace()
		sends.reserve("Send", "Conn", "Topic", "TopicClass", "Param", "Params")
		seenIn, seenOut := map[string]bool{}, map[string]bool{}
		for _, cp := range cps {
			for _, r := range cp.Server.Receives {
				if seenIn[r.Message.Name] || r.Value == "" {
					continue
				}
				seenIn[r.Message.Name] = true
				h := &topicHandlerModel{Message: r.Message.Name, Operation: r.Operation.Name, Action: r.Value, Request: "*" + g.msgType[r.Message]}
				h.Method = methods.take("Handle" + goName(r.Message.Name, "Message"))
				if len(r.Replies) > 0 {
					h.Reply = g.replyType(m, marked, tm.Pusher+h.Method+"Reply", r.Operation)
				}
				tm.Handlers = append(tm.Handlers, h)
			}
			for _, s := range cp.Server.Sends {
				if seenOut[s.Message.Name] {
					continue
				}
				seenOut[s.Message.Name] = true
				mn := goName(s.Message.Name, "Message")
				tm.Pushes = append(tm.Pushes, &topicPushModel{Message: s.Message.Name, Type: "*" + g.msgType[s.Message], Action: s.Value, Push: "Push" + mn, Send: sends.take("Send" + mn)})
			}
		}
		m.Topics = append(m.Topics, tm)
		imports["context"], imports["fmt"] = true, true
	}
}

// clientTopics fills m.Topics for the client: a typed subscription per
// class with a handler setter per message the server sends on it and a
// method per message the client sends.
func (g *gen) clientTopics(m *fileModel, imports map[string]bool) {
	for _, cps := range g.topicClasses() {
		tm := g.topicBase(cps, false)
		methods := newNamespace()
		methods.reserve("Subscribe", "Unsubscribe", "Topic", "Position", "Duplicates", "HandleFrame", "Send", "SendFrame", "Request", "RequestStream", "Params")
		seenIn, seenOut := map[string]bool{}, map[string]bool{}
		for _, cp := range cps {
			for _, r := range cp.Client.Receives {
				if seenIn[r.Message.Name] || r.Value == "" {
					continue
				}
				seenIn[r.Message.Name] = true
				mn := goName(r.Message.Name, "Message")
				tm.Pushes = append(tm.Pushes, &topicPushModel{Message: r.Message.Name, Type: g.msgType[r.Message], Action: r.Value, On: methods.take("On" + mn)})
			}
			for _, s := range cp.Client.Sends {
				if seenOut[s.Message.Name] {
					continue
				}
				seenOut[s.Message.Name] = true
				mn := goName(s.Message.Name, "Message")
				rq := &topicRequestModel{Message: s.Message.Name, Type: "*" + g.msgType[s.Message], Send: methods.take("Send" + mn)}
				if r := s.Reply; r != nil {
					rq.Request, rq.ReplyType, rq.ReplyAction = methods.take("Request"+mn), g.msgType[r.Message], r.Value
				}
				tm.Requests = append(tm.Requests, rq)
			}
		}
		for _, cp := range cps {
			if cp.Topic.Dedicated && fills(cp, cp.Topic.Parameters) {
				tm.Dedicated = cp.Address
			}
		}
		m.Topics = append(m.Topics, tm)
		imports["context"], imports["fmt"] = true, true
		imports["github.com/chanxgo/chanx/runtime/client"] = true
	}
}

// fills reports whether every path parameter of cp is one of params, so
// the topic's parameters build its URL.
func fills(cp *plan.Channel, params []string) bool {
	for _, p := range cp.Params {
		found := false
		for _, q := range params {
			found = found || p.Name == q
		}
		if !found {
			return false
		}
	}
	return true
}
