package redislayer

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/rueidis"

	"github.com/chanxgo/chanx/runtime/layer"
)

// A group's history lives in two Redis keys shared by every process:
//
//   - a Stream, KeyPrefix + "history:{" + group + "}", whose entries have
//     the ID "<seq>-0" and two fields, "t" (when it was appended, Unix
//     milliseconds; never less than the entry before) and "m" (the
//     envelope, as PUBLISH carries it, with Seq);
//   - a Hash, KeyPrefix + "historymeta:{" + group + "}", with the fields
//     epoch, seq (the latest), time (of the latest) and age (the latest
//     Append's Retention.Age in milliseconds).
//
// The braces make both keys one Redis Cluster hash slot. A group name that
// is empty, contains a brace or starts with '#' is written as
// "{#<FNV-64a of the name>}<name>" instead, which keeps the slot shared and
// the names distinct.
//
// Each Append and Since is one Lua script, so the seq, the stream, the
// trimming and the PUBLISH happen atomically: seq order is publish order
// in every process. The hash missing (a new group, or a Redis that lost
// its data) makes the script start a new epoch, named by the caller, and
// drop any stream left without it.
const historyLua = `
local function fmt(n) return string.format('%d', n) end
local function now_ms(arg)
  local n = tonumber(arg)
  if n then return n end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function uvarint(n)
  local b = {}
  while n >= 128 do
    b[#b + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  b[#b + 1] = string.char(n)
  return table.concat(b)
end
local function earliest(stream)
  local e = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
  if #e == 0 then return 0 end
  return tonumber(string.match(e[1][1], '^(%d+)'))
end
local function entry_time(stream, seq)
  local id = fmt(seq) .. '-0'
  local e = redis.call('XRANGE', stream, id, id)
  if #e == 0 then return nil end
  return tonumber(e[1][2][2])
end
-- trim_age drops the entries appended before cutoff. Times never decrease
-- with seq, so a binary search finds the first entry to keep.
local function trim_age(stream, last, cutoff)
  local lo = earliest(stream)
  if lo == 0 then return end
  local t = entry_time(stream, lo)
  if t == nil or t >= cutoff then return end
  local hi = last + 1
  while hi - lo > 1 do
    local mid = math.floor((lo + hi) / 2)
    local mt = entry_time(stream, mid)
    if mt ~= nil and mt >= cutoff then hi = mid else lo = mid end
  end
  redis.call('XTRIM', stream, 'MINID', fmt(hi) .. '-0')
end
`

// appendScript: KEYS stream, meta; ARGV channel, envelope head (up to the
// seq), envelope tail (after it), count, age ms, now ms ("" for Redis's
// TIME), a new epoch, PUBLISH or SPUBLISH. Returns {epoch, seq}.
var appendScript = rueidis.NewLuaScript(historyLua + `
local now = now_ms(ARGV[6])
local m = redis.call('HMGET', KEYS[2], 'epoch', 'seq', 'time')
local epoch, seq, last = m[1], tonumber(m[2]) or 0, tonumber(m[3]) or 0
if not epoch then
  epoch, seq, last = ARGV[7], 0, 0
  redis.call('DEL', KEYS[1])
end
if now < last then now = last end
seq = seq + 1
local age = tonumber(ARGV[5])
redis.call('HSET', KEYS[2], 'epoch', epoch, 'seq', fmt(seq), 'time', fmt(now), 'age', fmt(age))
local env = ARGV[2] .. uvarint(seq) .. ARGV[3]
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[4], fmt(seq) .. '-0', 't', fmt(now), 'm', env)
if age > 0 then trim_age(KEYS[1], seq, now - age) end
redis.call(ARGV[8], ARGV[1], env)
return {epoch, fmt(seq)}
`)

// sinceScript: KEYS stream, meta; ARGV from epoch, from seq, now ms (""
// for TIME), a new epoch. Returns {epoch, seq, earliest, "ok" or "lost",
// envelopes after from seq...}.
var sinceScript = rueidis.NewLuaScript(historyLua + `
local m = redis.call('HMGET', KEYS[2], 'epoch', 'seq', 'age')
local epoch, seq, age = m[1], tonumber(m[2]) or 0, tonumber(m[3]) or 0
if not epoch then
  epoch, seq, age = ARGV[4], 0, 0
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'seq', '0')
end
if age > 0 then trim_age(KEYS[1], seq, now_ms(ARGV[3]) - age) end
local first = earliest(KEYS[1])
local from = tonumber(ARGV[2])
local out = {epoch, fmt(seq), fmt(first), 'ok'}
if ARGV[1] == '' and from == 0 then return out end
if ARGV[1] ~= epoch or from > seq or (from < seq and (first == 0 or first > from + 1)) then
  out[4] = 'lost'
  return out
end
if from == seq then return out end
local e = redis.call('XRANGE', KEYS[1], fmt(from + 1) .. '-0', '+')
for i = 1, #e do out[#out + 1] = e[i][2][4] end
return out
`)

var _ layer.History = (*Layer)(nil)

// historyKeys names group's stream and hash (see historyLua).
func (l *Layer) historyKeys(group string) (stream, meta string) {
	tag := "{" + group + "}"
	if group == "" || group[0] == '#' || strings.ContainsAny(group, "{}") {
		h := fnv.New64a()
		h.Write([]byte(group))
		tag = fmt.Sprintf("{#%016x}%s", h.Sum64(), group)
	}
	return l.opts.KeyPrefix + "history:" + tag, l.opts.KeyPrefix + "historymeta:" + tag
}

// historyNow is the now argument of the scripts: "" lets Redis use TIME.
func (l *Layer) historyNow() string {
	if l.opts.HistoryNow == nil {
		return ""
	}
	return strconv.FormatInt(l.opts.HistoryNow().UnixMilli(), 10)
}

// historyContext bounds a history script by PublishTimeout when ctx has
// no earlier deadline.
func (l *Layer) historyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= l.opts.PublishTimeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, l.opts.PublishTimeout)
}

// Append gives m its group's next seq, adds it to the group's Redis
// Stream (trimmed to keep: MAXLEN count, then the entries older than
// keep.Age), and PUBLISHes it with its seq, all in one Lua script, so
// every process's Appends to a group get dense seqs in the order they are
// delivered everywhere. Age is measured by Redis's clock (TIME), or by
// Options.HistoryNow when set.
//
// Unlike Publish, Append does not deliver to this process's subscribers at
// once: they get m when Redis hands it back, like every other process's
// subscribers, which keeps them in seq order. So when Append fails —
// Redis refused, was unreachable or did not answer within PublishTimeout
// (or ctx's earlier deadline) — no subscriber in this process got m from
// it, and the error never wraps *layer.PartialDeliveryError. As with
// Publish, a script Redis ran but did not confirm in time may still have
// stored and delivered m everywhere (this process included); Append does
// not retry.
func (l *Layer) Append(ctx context.Context, group string, m layer.Message, keep layer.Retention) (layer.Position, error) {
	if l.isDown.Load() {
		return layer.Position{}, errClosed(group)
	}
	if err := ctx.Err(); err != nil {
		return layer.Position{}, fmt.Errorf("redislayer: append to %q: %w", group, err)
	}
	count := keep.Count
	if count <= 0 {
		count = layer.DefaultHistoryCount
	}
	var ageMS int64
	if keep.Age > 0 {
		ageMS = max(keep.Age.Milliseconds(), 1)
	}
	// The script writes the seq between head and tail: encode with seq 1
	// (one byte) and cut it out. The origin is empty, so this process
	// takes m from Redis like the others.
	m.Seq = 1
	env := appendEnvelope(make([]byte, 0, envelopeSize("", m)), "", m)
	at := 3 + fieldSize("") + fieldSize(m.Exclude) + fieldSize(m.Target)
	stream, meta := l.historyKeys(group)
	publish := "PUBLISH"
	if l.opts.Sharded {
		publish = "SPUBLISH"
	}
	sctx, cancel := l.historyContext(ctx)
	defer cancel()
	res, err := appendScript.Exec(sctx, l.client, []string{stream, meta}, []string{
		l.opts.KeyPrefix + group, string(env[:at]), string(env[at+1:]),
		strconv.Itoa(count), strconv.FormatInt(ageMS, 10), l.historyNow(), layer.NewEpoch(), publish,
	}).ToArray()
	if err != nil {
		return layer.Position{}, l.historyFailed(ctx, "append to", group, err)
	}
	if l.unreachable.Load() {
		l.setReachable(nil)
	}
	pos, err := decodeAppendReply(res)
	if err != nil {
		return layer.Position{}, fmt.Errorf("redislayer: append to %q: %w", group, err)
	}
	return pos, nil
}

// Since returns the group's messages after from.Seq from its Redis Stream
// and the group's latest position, or an error wrapping
// *layer.HistoryLostError (see layer.History); one Lua script, which first
// drops the entries older than the Retention.Age of the group's latest
// Append. A group Redis has no history of gets a new epoch here. The
// messages' frames are read-only.
func (l *Layer) Since(ctx context.Context, group string, from layer.Position) ([]layer.Message, layer.Position, error) {
	if l.isDown.Load() {
		return nil, layer.Position{}, errClosed(group)
	}
	if err := ctx.Err(); err != nil {
		return nil, layer.Position{}, fmt.Errorf("redislayer: history of %q: %w", group, err)
	}
	stream, meta := l.historyKeys(group)
	sctx, cancel := l.historyContext(ctx)
	defer cancel()
	keys := []string{stream, meta}
	args := []string{from.Epoch, strconv.FormatUint(from.Seq, 10), l.historyNow(), layer.NewEpoch()}
	res, err := sinceScript.Exec(sctx, l.client, keys, args).ToArray()
	// An idle client finds a connection Redis dropped (a restart) only
	// when it uses it, once for each of rueidis's connections, which it
	// then dials again. Reading the history again is harmless (the script
	// makes the epoch only once), so it is asked again on a broken
	// connection, a few times.
	for try := 0; err != nil && try < sinceRetries && connectionBroke(err) && sctx.Err() == nil; try++ {
		res, err = sinceScript.Exec(sctx, l.client, keys, args).ToArray()
	}
	if err != nil {
		return nil, layer.Position{}, l.historyFailed(ctx, "history of", group, err)
	}
	if l.unreachable.Load() {
		l.setReachable(nil)
	}
	fields := make([]string, len(res))
	for i := range res {
		if fields[i], err = res[i].ToString(); err != nil {
			return nil, layer.Position{}, fmt.Errorf("redislayer: history of %q: bad reply from Redis: field %d: %w", group, i, err)
		}
	}
	msgs, pos, err := decodeSinceReply(group, from, fields)
	if err != nil {
		var lost *layer.HistoryLostError
		if errors.As(err, &lost) {
			return nil, pos, err
		}
		return nil, layer.Position{}, fmt.Errorf("redislayer: history of %q: %w", group, err)
	}
	return msgs, pos, nil
}

// historyFailed words a failed script as publishFailed does a PUBLISH,
// marking Redis unreachable when the failure was Redis's.
func (l *Layer) historyFailed(ctx context.Context, what, group string, err error) error {
	l.nodes.forget()
	if errors.Is(err, rueidis.ErrClosing) {
		return errClosed(group)
	}
	err = l.commandFailed(ctx, err)
	return fmt.Errorf("redislayer: %s %q: %w", what, group, err)
}

func decodeAppendReply(res []rueidis.RedisMessage) (layer.Position, error) {
	if len(res) != 2 {
		return layer.Position{}, fmt.Errorf("bad reply from Redis: %d fields, want 2", len(res))
	}
	epoch, err := res[0].ToString()
	if err != nil {
		return layer.Position{}, fmt.Errorf("bad reply from Redis: epoch: %w", err)
	}
	s, err := res[1].ToString()
	if err != nil {
		return layer.Position{}, fmt.Errorf("bad reply from Redis: seq: %w", err)
	}
	seq, err := strconv.ParseUint(s, 10, 64)
	if err != nil || seq == 0 || epoch == "" {
		return layer.Position{}, fmt.Errorf("bad reply from Redis: position %q %q", epoch, s)
	}
	return layer.Position{Epoch: epoch, Seq: seq}, nil
}

// decodeSinceReply reads sinceScript's reply: epoch, seq, earliest,
// status, then the envelopes after from.Seq. The bytes come from Redis
// (anyone with access may have written the keys), so every field is
// checked: the envelopes must decode and carry the seqs from.Seq+1 up to
// the latest, in order. A "lost" status is a *layer.HistoryLostError,
// returned with the current position.
func decodeSinceReply(group string, from layer.Position, f []string) ([]layer.Message, layer.Position, error) {
	if len(f) < 4 {
		return nil, layer.Position{}, fmt.Errorf("bad reply from Redis: %d fields, want at least 4", len(f))
	}
	seq, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return nil, layer.Position{}, fmt.Errorf("bad reply from Redis: seq %q", f[1])
	}
	earliest, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil || earliest > seq {
		return nil, layer.Position{}, fmt.Errorf("bad reply from Redis: earliest %q of seq %d", f[2], seq)
	}
	if f[0] == "" {
		return nil, layer.Position{}, errors.New("bad reply from Redis: empty epoch")
	}
	cur := layer.Position{Epoch: f[0], Seq: seq}
	envs := f[4:]
	switch f[3] {
	case "lost":
		if len(envs) != 0 {
			return nil, layer.Position{}, errors.New("bad reply from Redis: messages with a lost history")
		}
		return nil, cur, &layer.HistoryLostError{Group: group, From: from, Earliest: earliest, Current: cur}
	case "ok":
	default:
		return nil, layer.Position{}, fmt.Errorf("bad reply from Redis: status %q", f[3])
	}
	var want uint64
	if from.Epoch == cur.Epoch && from.Seq < seq {
		want = seq - from.Seq
	}
	if uint64(len(envs)) != want {
		return nil, layer.Position{}, fmt.Errorf("bad reply from Redis: %d messages after seq %d, want %d up to seq %d", len(envs), from.Seq, want, seq)
	}
	if want == 0 {
		return nil, cur, nil
	}
	msgs := make([]layer.Message, len(envs))
	for i, e := range envs {
		m, _, err := decodeEnvelope(e)
		if err != nil {
			return nil, layer.Position{}, fmt.Errorf("bad history entry %d of %d: %w", i+1, len(envs), err)
		}
		if m.Seq != from.Seq+1+uint64(i) {
			return nil, layer.Position{}, fmt.Errorf("bad history entry %d of %d: seq %d, want %d", i+1, len(envs), m.Seq, from.Seq+1+uint64(i))
		}
		msgs[i] = m
	}
	return msgs, cur, nil
}

// sinceRetries bounds Since's tries again on a broken connection.
const sinceRetries = 8

// connectionBroke reports whether err is the connection to Redis failing
// (closed or reset under the command) rather than Redis's answer or a
// deadline.
func connectionBroke(err error) bool {
	if _, reply := rueidis.IsRedisErr(err); reply || errors.Is(err, rueidis.ErrClosing) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
