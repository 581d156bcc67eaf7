package spec

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"go.yaml.in/yaml/v4"
)

// Options control how documents and the files they refer to are read. The
// zero value is ready to use and is the safe policy: a document may make
// chanx read files in its own folder and fetch public http(s) URLs, within
// bounds, and nothing else (see doc.go, "Reference policy").
type Options struct {
	// NoRemote forbids fetching the http(s) $refs of a document; each one
	// then becomes a diagnostic. The document itself may still be a URL:
	// whoever calls Load named it. Default: remote fetches allowed.
	NoRemote bool
	// AllowPrivate lets remote $refs reach loopback, link-local and
	// private addresses (127.0.0.0/8, ::1, 10.0.0.0/8, 192.168.0.0/16,
	// 169.254.0.0/16, fc00::/7, ...). The address is checked when each
	// connection is dialled, so a name that resolves to one is refused
	// too, redirects included. The host of a document Load was given as a
	// URL is allowed whatever this says: the caller named it. Default:
	// refused. Only the default client checks: an HTTPClient you pass
	// decides for itself.
	AllowPrivate bool
	// HTTPClient fetches remote files. Default: a client that dials
	// directly (HTTP_PROXY is not used) and refuses private addresses
	// unless AllowPrivate.
	HTTPClient *http.Client
	// Timeout bounds each remote fetch. Default: 5s.
	Timeout time.Duration
	// RemoteBudget bounds the time all remote fetches of one Document may
	// take together, from the first one: once it is spent, every remote
	// $ref fails at once. Default: 20s.
	RemoteBudget time.Duration
	// RemoteMaxBytes bounds the bytes all remote fetches of one Document
	// may return together. Default: 64 MiB.
	RemoteMaxBytes int64
	// MaxBytes bounds the size of each file read or fetched. Default:
	// 32 MiB.
	MaxBytes int64
	// FileRoot is the folder file $refs may read, with its subfolders; a
	// $ref to a file outside it (by path or through a symbolic link) is
	// reported instead of read. Default: the folder of the root document,
	// so a document cannot make chanx read ../../.ssh/id_rsa or /etc/passwd
	// and embed it in what is generated. Layouts that share files between
	// documents (the social-media example's backend/asyncapi.yaml refers
	// to ../common/messages.yaml) set it to their common folder. Whatever
	// the root, $refs read regular files only (no FIFOs, devices, sockets,
	// nothing under /proc, /sys or /dev). Documents read from a URL never
	// read local files: their relative $refs resolve against the URL.
	FileRoot string
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 5 * time.Second
}

func (o Options) remoteBudget() time.Duration {
	if o.RemoteBudget > 0 {
		return o.RemoteBudget
	}
	return 20 * time.Second
}

func (o Options) remoteMaxBytes() int64 {
	if o.RemoteMaxBytes > 0 {
		return o.RemoteMaxBytes
	}
	return 64 << 20
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return 32 << 20
}

// File is one parsed file of a document: the root or one a $ref led to.
type File struct {
	// Location is the path or URL the file was read from, as shown in
	// diagnostics.
	Location string
	// Data is the file's bytes as read.
	Data []byte
	// Node is the file's top-level value (never a yaml.DocumentNode).
	Node *yaml.Node
}

// Pos returns the position of n within f.
func (f *File) Pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: f.Location}
	}
	return Pos{File: f.Location, Line: n.Line, Col: n.Column}
}

// Document is a loaded AsyncAPI document: its root file and every file a
// $ref has led to so far. It is safe for concurrent use.
type Document struct {
	Root *File

	opts   Options
	mu     sync.Mutex
	files  map[string]*File // by absolute location
	failed map[string]error // files that could not be read or parsed, so they are tried once
	// keys indexes the keys of large mappings (see KeyIndex).
	keys map[*yaml.Node]map[string]int
	// chains memoizes where the $ref chain of each reference object ends
	// (see chain), so that following every link of a long chain stays
	// linear.
	chains map[*yaml.Node]chainEnd
	// bundled and bundleDiags memoize bundle: Validate and BundleJSON (which
	// analyze.Build calls) both need the bundled tree of the same document.
	bundled     *yaml.Node
	bundleDiags Diagnostics
	// fileRoot is the folder file $refs may read ("" when the document
	// was read from a URL), fileRootShown the same as diagnostics name it;
	// remote is the state of remote fetches.
	fileRoot, fileRootShown string
	remote                  remoteState
}

// largeMapping is the number of entries from which a mapping's keys are
// indexed rather than scanned.
const largeMapping = 32

// KeyIndex returns the position in mapping m's Content of the key node of
// key (its value follows it), or false when m has no such key. The keys of
// large mappings are indexed on first use and the index kept with the
// Document, so that resolving thousands of $refs into a mapping of
// thousands of channels stays linear; a duplicate key finds its first
// occurrence. m must belong to one of the Document's files.
func (d *Document) KeyIndex(m *yaml.Node, key string) (int, bool) {
	if len(m.Content) < 2*largeMapping {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return i, true
			}
		}
		return 0, false
	}
	d.mu.Lock()
	idx := d.keys[m]
	if idx == nil {
		idx = make(map[string]int, len(m.Content)/2)
		for i := 0; i+1 < len(m.Content); i += 2 {
			if _, dup := idx[m.Content[i].Value]; !dup {
				idx[m.Content[i].Value] = i
			}
		}
		d.keys[m] = idx
	}
	d.mu.Unlock()
	i, ok := idx[key]
	return i, ok
}

// mapEntry returns the key and value nodes of key in mapping n.
func (d *Document) mapEntry(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	i, ok := d.KeyIndex(n, key)
	if !ok {
		return nil, nil
	}
	return n.Content[i], n.Content[i+1]
}

// mapGet is MapGet through the key index.
func (d *Document) mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	_, v := d.mapEntry(n, key)
	return v
}

// Load reads the document at location (a file path or an http(s) URL),
// YAML or JSON told apart by content. A file that cannot be read is a plain
// error ("read x.yaml: no such file or directory"); anything wrong with its
// content is a *DiagnosticsError holding every problem with its position
// (syntax, duplicate keys, what JSON cannot hold). Files a $ref leads to are
// read later, by Resolve, Validate and BundleJSON, as they are needed.
func Load(ctx context.Context, location string, opts Options) (*Document, error) {
	d, abs, err := newDocument(location, opts)
	if err != nil {
		return nil, err
	}
	f, err := d.file(ctx, abs, location, true)
	if err != nil {
		return nil, err
	}
	d.Root = f
	return d, nil
}

// Parse reads a document from memory; location names it in diagnostics and
// anchors relative $refs.
func Parse(location string, data []byte, opts Options) (*Document, error) {
	d, abs, err := newDocument(location, opts)
	if err != nil {
		return nil, err
	}
	f, err := parseFile(location, data)
	if err != nil {
		return nil, err
	}
	d.files[abs] = f
	d.Root = f
	return d, nil
}

// newDocument prepares a Document whose root file is named location and
// returns the root's absolute location.
func newDocument(location string, opts Options) (*Document, string, error) {
	abs, err := absLocation(location)
	if err != nil {
		return nil, "", err
	}
	d := &Document{opts: opts, files: map[string]*File{}, failed: map[string]error{}, keys: map[*yaml.Node]map[string]int{}, chains: map[*yaml.Node]chainEnd{}}
	if isURL(abs) {
		d.remote.rootHost = hostPort(abs)
		return d, abs, nil
	}
	shown := filepath.Clean(opts.FileRoot)
	if opts.FileRoot == "" {
		shown = filepath.Dir(location)
	}
	root, err := filepath.Abs(shown)
	if err != nil {
		return nil, "", fmt.Errorf("resolve the $ref root %s: %w", shown, err)
	}
	if shown == "." {
		shown = root
	}
	d.fileRoot, d.fileRootShown = root, shown
	return d, abs, nil
}

// Files returns every file read so far, the root first, the others ordered
// by location.
func (d *Document) Files() []*File {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []*File{d.Root}
	for _, f := range d.files {
		if f != d.Root {
			out = append(out, f)
		}
	}
	sort.Slice(out[1:], func(i, j int) bool { return out[1+i].Location < out[1+j].Location })
	return out
}

func absLocation(loc string) (string, error) {
	if isURL(loc) {
		return loc, nil
	}
	abs, err := filepath.Abs(loc)
	if err != nil {
		return "", fmt.Errorf("resolve path %s: %w", loc, err)
	}
	return abs, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// file returns the parsed file at the absolute location abs, reading it on
// first use; shown is the name used in diagnostics, root says it is the
// document Load was asked for (which NoRemote does not forbid).
func (d *Document) file(ctx context.Context, abs, shown string, root bool) (*File, error) {
	d.mu.Lock()
	f, ok := d.files[abs]
	failed := d.failed[abs]
	d.mu.Unlock()
	if ok {
		return f, nil
	}
	if failed != nil {
		return nil, failed
	}
	data, err := d.read(ctx, abs, shown, root)
	if err == nil {
		f, err = parseFile(shown, data)
	}
	if err != nil {
		if ctx.Err() == nil {
			d.mu.Lock()
			d.failed[abs] = err
			d.mu.Unlock()
		}
		return nil, err
	}
	d.mu.Lock()
	if prev, ok := d.files[abs]; ok {
		f = prev
	} else {
		d.files[abs] = f
	}
	d.mu.Unlock()
	return f, nil
}

// readError is a file that could not be read or fetched.
type readError struct {
	verb  string // "read" or "fetch"
	shown string
	err   error
}

func (e *readError) Error() string { return e.verb + " " + e.shown + ": " + e.err.Error() }

func (e *readError) Unwrap() error { return e.err }

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// MapGet returns the value of key in mapping node n, or nil.
func MapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// RefOf returns the $ref string of a reference object, or "" when n is not
// one (a $ref that is not a string, such as the null YAML makes of an
// unquoted "$ref: #/...", is left to the schema to report).
func RefOf(n *yaml.Node) string {
	r := MapGet(n, "$ref")
	if r == nil || r.Kind != yaml.ScalarNode || r.ShortTag() != "!!str" {
		return ""
	}
	return r.Value
}

// RefError is a $ref that cannot be followed, at the position of its $ref
// value.
type RefError struct {
	Pos Pos
	Ref string
	Msg string
	Err error
}

func (e *RefError) Error() string { return e.Pos.String() + ": " + e.Msg }

func (e *RefError) Unwrap() error { return e.Err }

func fragmentOf(ref string) string {
	_, frag, _ := strings.Cut(ref, "#")
	return frag
}

// Resolve finds the target of ref, written in file from: a local pointer
// ("#/components/schemas/A"), a relative or absolute file
// ("./common.yaml#/A") or a URL. It does not follow a $ref it lands on.
func (d *Document) Resolve(ctx context.Context, from *File, ref string) (*File, *yaml.Node, error) {
	return d.resolve(ctx, from, ref, 0)
}

// maxRefHops bounds how many $refs a pointer may pass through (see
// lookupThrough); it only matters for pathological documents.
const maxRefHops = 32

func (d *Document) resolve(ctx context.Context, from *File, ref string, hops int) (*File, *yaml.Node, error) {
	target, frag, _ := strings.Cut(ref, "#")
	f := from
	if target != "" {
		abs, shown, err := d.locate(from, target)
		if err != nil {
			return nil, nil, fmt.Errorf("$ref %q: %w", ref, err)
		}
		f, err = d.file(ctx, abs, shown, false)
		if err != nil {
			return nil, nil, fmt.Errorf("$ref %q: %w", ref, err)
		}
	}
	n, err := lookup(f.Node, frag, d.mapGet)
	if err != nil {
		if tf, tn, ok := d.lookupThrough(ctx, f, frag, hops); ok {
			return tf, tn, nil
		}
		if f != from {
			return nil, nil, fmt.Errorf("$ref %q: in %s: %w", ref, f.Location, err)
		}
		return nil, nil, fmt.Errorf("$ref %q: %w", ref, err)
	}
	return f, n, nil
}

// lookupThrough evaluates a pointer that passes through a $ref, such as
// "#/channels/room/messages/chat/payload" where messages/chat is itself a
// $ref: strictly the pointer names nothing in the file as written, but
// authors mean the dereferenced node, and AsyncAPI tools resolve it so.
func (d *Document) lookupThrough(ctx context.Context, f *File, frag string, hops int) (*File, *yaml.Node, bool) {
	if hops >= maxRefHops {
		return nil, nil, false
	}
	cur := f.Node
	for _, tok := range pointerTokens(frag) {
		for cur != nil && cur.Kind == yaml.AliasNode {
			cur = cur.Alias
		}
		if cur == nil {
			return nil, nil, false
		}
		if ref := RefOf(cur); ref != "" && MapGet(cur, tok) == nil {
			tf, tn, err := d.resolve(ctx, f, ref, hops+1)
			if err != nil {
				return nil, nil, false
			}
			f, cur = tf, tn
			for cur != nil && cur.Kind == yaml.AliasNode {
				cur = cur.Alias
			}
			if RefOf(cur) != "" {
				tf, tn, err := d.Deref(ctx, f, cur)
				if err != nil {
					return nil, nil, false
				}
				f, cur = tf, tn
			}
		}
		switch {
		case cur == nil:
			return nil, nil, false
		case cur.Kind == yaml.MappingNode:
			cur = MapGet(cur, tok)
		case cur.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Content) {
				return nil, nil, false
			}
			cur = cur.Content[i]
		default:
			return nil, nil, false
		}
	}
	return f, cur, cur != nil
}

// locate turns a $ref's file part into the absolute location used as the
// file's identity and the location shown in diagnostics: the $ref joined to
// the shown location of the file it was written in, so a document loaded as
// a relative path reports its other files as relative paths too.
func (d *Document) locate(from *File, target string) (abs, shown string, err error) {
	if isURL(target) {
		return target, target, nil
	}
	base := from.Location
	if isURL(base) {
		bu, err := url.Parse(base)
		if err != nil {
			return "", "", err
		}
		tu, err := url.Parse(target)
		if err != nil {
			return "", "", err
		}
		if tu.Scheme != "" && tu.Scheme != "http" && tu.Scheme != "https" {
			return "", "", fmt.Errorf("a document read from a URL may only refer to http(s) URLs, not %s:", tu.Scheme)
		}
		u := bu.ResolveReference(tu).String()
		return u, u, nil
	}
	if u, err := url.Parse(target); err == nil && len(u.Scheme) > 1 {
		return "", "", fmt.Errorf("unsupported scheme %q (use a relative path or an http(s) URL)", u.Scheme)
	}
	if p, err := url.PathUnescape(target); err == nil {
		target = p
	}
	target = filepath.FromSlash(target)
	if filepath.IsAbs(target) {
		return filepath.Clean(target), filepath.Clean(target), nil
	}
	shown = filepath.Join(filepath.Dir(base), target)
	abs, err = filepath.Abs(shown)
	if err != nil {
		return "", "", err
	}
	return abs, shown, nil
}

// suggest returns ` (did you mean "x"?)` when mapping n has a key close to
// the misspelled key, else "".
func suggest(n *yaml.Node, key string) string {
	keys := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	best := closest(key, keys)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Lookup evaluates a JSON pointer (RFC 6901, as written in a URI fragment:
// percent-encoding allowed, ~0 and ~1 escapes) against n. "" and "/" mean n.
func Lookup(n *yaml.Node, pointer string) (*yaml.Node, error) {
	return lookup(n, pointer, MapGet)
}

// lookup is Lookup with the mapping access given, so a Document can use its
// key index.
func lookup(n *yaml.Node, pointer string, get func(*yaml.Node, string) *yaml.Node) (*yaml.Node, error) {
	if p, err := url.PathUnescape(pointer); err == nil {
		pointer = p
	}
	if pointer == "" {
		return n, nil
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, fmt.Errorf("JSON pointer %q must start with /", pointer)
	}
	cur := n
	parent := ""
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = jsonptr.Unescape(tok)
		for cur != nil && cur.Kind == yaml.AliasNode {
			cur = cur.Alias
		}
		where := parent
		if where == "" {
			where = "the top level"
		}
		switch {
		case cur == nil:
			return nil, fmt.Errorf("nothing at %s", where)
		case cur.Kind == yaml.MappingNode:
			next := get(cur, tok)
			if next == nil {
				return nil, fmt.Errorf("no key %q at %s%s", tok, where, suggest(cur, tok))
			}
			cur = next
		case cur.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Content) || strconv.Itoa(i) != tok {
				return nil, fmt.Errorf("no index %q at %s (it holds %d items)", tok, where, len(cur.Content))
			}
			cur = cur.Content[i]
		default:
			return nil, fmt.Errorf("%s is a plain value, it has no %q", where, tok)
		}
		parent += "/" + jsonptr.Escape(tok)
	}
	return cur, nil
}
