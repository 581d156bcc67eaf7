package conformance

// Check ids: stable names a report, a JUnit file and --list use. Never
// rename one; add new ones instead.
const (
	CheckHandshake     = "handshake"
	CheckServerFrames  = "server-frames-declared"
	CheckReply         = "reply-received"
	CheckValidAccepted = "valid-accepted"
	CheckInvalid       = "invalid-rejected"
	CheckMalformed     = "malformed-survived"
	CheckRecovers      = "recovers-after-bad-input"
	CheckIsolation     = "replies-isolated"
	// The topic checks, judged on channels with an x-topic only.
	CheckTopicSubscribe = "topic-subscribe"
	CheckTopicErrors    = "topic-errors"
)

// CheckInfo describes one check.
type CheckInfo struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	// Convention says what the check expects that the document does not
	// say: the chanx protocol's convention (docs/PROTOCOL.md), "" for a
	// check that follows the document alone. WithoutConventions turns
	// these parts off.
	Convention string `json:"convention,omitempty"`
}

// Checks lists every check in the order they run and are reported.
var Checks = []CheckInfo{
	{CheckHandshake, "the WebSocket handshake succeeds on every channel, parameters taken from --param, enum, examples or default; a server that stops accepting connections mid-run fails it once", ""},
	{CheckTopicSubscribe, "on an x-topic channel, subscribe is answered subscribed with the topic and the ref, again when already subscribed, and unsubscribe unsubscribed with the ref, also when not subscribed; a dedicated route sends subscribed on connect, without ref (a refusal with unauthorized passes and skips the channel's other checks)", ""},
	{CheckTopicErrors, "on an x-topic channel of a hub, subscribing to a topic no pattern matches gets unknown_topic and a request before subscribing gets not_subscribed, each with PROTOCOL.md's detail, the topic and the ref", ""},
	{CheckServerFrames, "every frame the server sends is a message the document allows from the server on that channel", ""},
	{CheckReply, "a request whose operation declares a reply gets that reply, with the correlation id echoed when declared", ""},
	{CheckValidAccepted, "valid input is not answered with an error", ""},
	{CheckInvalid, "invalid input is rejected with an error frame or close 1007/1008, and never answered as a success", "an error frame or close 1007/1008 for invalid input, even where the document declares no error message"},
	{CheckMalformed, "malformed frames (not JSON, binary, oversize, not an object, unknown discriminator) do not end in an abnormal drop (1006) or a server error close (1011)", "frames the document does not describe at all are answered, not dropped"},
	{CheckRecovers, "the server still answers a valid request after every bad input", ""},
	{CheckIsolation, "replies the document makes private go only to the requester, never to another connection on the same channel", ""},
}

func checkIndex(id string) int {
	for i, c := range Checks {
		if c.ID == id {
			return i
		}
	}
	return len(Checks)
}

// KnownCheck reports whether id names a check.
func KnownCheck(id string) bool { return checkIndex(id) < len(Checks) }

// convention reports whether check holds the server to a convention.
func convention(check string) bool {
	i := checkIndex(check)
	return i < len(Checks) && Checks[i].Convention != ""
}
