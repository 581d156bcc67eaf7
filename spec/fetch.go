package spec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// This file is the reading half of the reference policy (doc.go): what a
// document can make chanx read or fetch, and the bounds on it. Every
// refusal is an error naming why and, where one exists, the flag that
// allows it; resolve puts it at the $ref's file:line:col.

// remoteState is what the remote fetches of one Document share: the client
// and the budgets.
type remoteState struct {
	// rootHost is the host:port of a document Load was given as a URL,
	// which the private-address rule does not apply to.
	rootHost string

	once   sync.Once
	client *http.Client

	mu       sync.Mutex
	deadline time.Time // set by the first fetch
	fetched  int64     // bytes returned so far
}

func (d *Document) read(ctx context.Context, abs, shown string, root bool) ([]byte, error) {
	if !isURL(abs) {
		return d.readFile(abs, shown, root)
	}
	if d.opts.NoRemote && !root {
		return nil, &readError{"fetch", shown, errors.New("remote references are disabled (--no-remote)")}
	}
	return d.fetch(ctx, abs, shown)
}

// readFile reads a local file: the root document as named, any other file
// only inside d.fileRoot and only when it is a regular file.
func (d *Document) readFile(abs, shown string, root bool) ([]byte, error) {
	limit := d.opts.maxBytes()
	fail := func(err error) ([]byte, error) { return nil, &readError{"read", shown, err} }
	var want fs.FileInfo
	if !root {
		if d.fileRoot == "" {
			return fail(errors.New("a document read from a URL may not refer to local files"))
		}
		if sys := systemFolder(abs); sys != "" {
			return fail(fmt.Errorf("%s holds the system's live state, not documents; $refs never read under /proc, /sys or /dev", sys))
		}
		if !within(d.fileRoot, abs) {
			return fail(fmt.Errorf("the file is outside %s, the folder local $refs may read (--ref-root DIR widens it)", d.fileRootShown))
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return fail(unwrapPathError(err))
		}
		realRoot, err := filepath.EvalSymlinks(d.fileRoot)
		if err != nil {
			realRoot = d.fileRoot
		}
		if !within(realRoot, real) {
			if sys := systemFolder(real); sys != "" {
				return fail(fmt.Errorf("the file is a symbolic link to %s; $refs never read under /proc, /sys or /dev", real))
			}
			return fail(fmt.Errorf("the file is a symbolic link to %s, outside %s, the folder local $refs may read (--ref-root DIR widens it)", real, d.fileRootShown))
		}
		st, err := os.Stat(real)
		if err != nil {
			return fail(unwrapPathError(err))
		}
		if !st.Mode().IsRegular() {
			return fail(fmt.Errorf("not a regular file but %s; $refs read regular files only", fileKind(st.Mode())))
		}
		if st.Size() > limit {
			return fail(fmt.Errorf("file is larger than %d bytes", limit))
		}
		abs, want = real, st
	}
	open := openFile
	if root {
		open = os.Open // the caller's choice: a pipe such as /dev/stdin is read as it comes
	}
	fh, err := open(abs)
	if err != nil {
		return fail(unwrapPathError(err))
	}
	defer fh.Close()
	if want != nil {
		// The file checked above is the file opened, not one swapped in
		// since (a FIFO would block the read: openFile does not wait).
		st, err := fh.Stat()
		if err != nil || !os.SameFile(st, want) || !st.Mode().IsRegular() {
			return fail(errors.New("the file changed while it was being read"))
		}
	}
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return fail(err)
	}
	if int64(len(data)) > limit {
		return fail(fmt.Errorf("file is larger than %d bytes", limit))
	}
	return data, nil
}

// systemFolder returns /proc, /sys or /dev when path is in one of them.
func systemFolder(path string) string {
	for _, dir := range []string{"/proc", "/sys", "/dev"} {
		if path == dir || strings.HasPrefix(path, dir+"/") {
			return dir
		}
	}
	return ""
}

// fileKind names what a file that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// within reports whether path abs lies in folder root.
func within(root, abs string) bool {
	rel, err := filepath.Rel(root, abs)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// fetch GETs a remote file within the per-fetch timeout and the budgets of
// the whole Document.
func (d *Document) fetch(ctx context.Context, abs, shown string) ([]byte, error) {
	fail := func(err error) ([]byte, error) { return nil, &readError{"fetch", shown, err} }
	budget := d.opts.remoteBudget()
	r := &d.remote
	r.mu.Lock()
	if r.deadline.IsZero() {
		r.deadline = time.Now().Add(budget)
	}
	deadline, fetched := r.deadline, r.fetched
	r.mu.Unlock()
	spent := fmt.Errorf("the %s all remote $refs may take together is spent (--remote-budget raises it)", budget)
	if !time.Now().Before(deadline) {
		return fail(spent)
	}
	maxTotal := d.opts.remoteMaxBytes()
	if fetched >= maxTotal {
		return fail(fmt.Errorf("the remote $refs have fetched %s together, the most they may (--remote-max-bytes raises it)", formatBytes(maxTotal)))
	}
	timeout := d.opts.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx, cancelBudget := context.WithDeadline(ctx, deadline)
	defer cancelBudget()
	timedOut := func(err error) ([]byte, error) {
		if !time.Now().Before(deadline) {
			return fail(spent)
		}
		if ctx.Err() != nil {
			return fail(fmt.Errorf("no complete answer within %s, the time each remote $ref may take", timeout))
		}
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, abs, nil)
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Accept", "application/yaml, application/json;q=0.9, */*;q=0.5")
	resp, err := d.httpClient().Do(req)
	if err != nil {
		var pe *privateAddressError
		if errors.As(err, &pe) {
			return fail(pe)
		}
		if ctx.Err() != nil {
			return timedOut(err)
		}
		return fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(errors.New(resp.Status))
	}
	limit := d.opts.maxBytes()
	left := maxTotal - fetched
	data, err := io.ReadAll(io.LimitReader(resp.Body, min(limit, left)+1))
	r.mu.Lock()
	r.fetched += int64(len(data))
	r.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return timedOut(err)
		}
		return fail(err)
	}
	if int64(len(data)) > limit {
		return fail(fmt.Errorf("response is larger than %d bytes", limit))
	}
	if int64(len(data)) > left {
		return fail(fmt.Errorf("with this response the remote $refs would fetch more than %s together, the most they may (--remote-max-bytes raises it)", formatBytes(maxTotal)))
	}
	return data, nil
}

// httpClient returns Options.HTTPClient or the Document's own client.
func (d *Document) httpClient() *http.Client {
	if d.opts.HTTPClient != nil {
		return d.opts.HTTPClient
	}
	r := &d.remote
	r.once.Do(func() {
		dialer := &net.Dialer{Timeout: d.opts.timeout()}
		allowPrivate := d.opts.AllowPrivate
		r.client = &http.Client{
			Transport: &http.Transport{
				// Direct connections only: through a proxy, the address
				// dialled would be the proxy's and the check below moot.
				Proxy: nil,
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					d := *dialer
					if !allowPrivate && addr != r.rootHost {
						d.Control = refusePrivate
					}
					return d.DialContext(ctx, network, addr)
				},
				DisableKeepAlives:      true,
				TLSHandshakeTimeout:    d.opts.timeout(),
				MaxResponseHeaderBytes: 64 << 10,
			},
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return errors.New("more than 5 redirects")
				}
				return nil
			},
		}
	})
	return r.client
}

// hostPort is the host:port a URL's connections dial.
func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// privateAddressError is a remote $ref whose host is, or resolves to, an
// address Options.AllowPrivate guards.
type privateAddressError struct {
	addr netip.Addr
	kind string
}

func (e *privateAddressError) Error() string {
	return fmt.Sprintf("%s is %s; remote $refs may not reach loopback, link-local or private addresses (--allow-private-refs allows it)", e.addr, e.kind)
}

// refusePrivate is a net.Dialer Control function: it runs on the address
// actually dialled, after name resolution, so DNS cannot point a public
// name at an internal service.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &privateAddressError{kind: "not an IP address"}
	}
	if kind := addressKind(ap.Addr()); kind != "" {
		return &privateAddressError{addr: ap.Addr(), kind: kind}
	}
	return nil
}

// reservedPrefixes are IPv4 ranges that are neither public nor covered by
// the netip predicates: shared address space (carrier NAT, and some cloud
// metadata services), IETF protocol assignments, benchmarking, reserved.
var reservedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// addressKind names the kind of a non-public address, or returns "".
func addressKind(a netip.Addr) string {
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	switch {
	case a.IsLoopback():
		return "a loopback address"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "a link-local address"
	case a.IsPrivate():
		return "a private address"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	for _, p := range reservedPrefixes {
		if p.Contains(a) {
			return "a reserved address"
		}
	}
	return ""
}
