package testredis

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clusterSlots is the number of hash slots in Redis Cluster.
const clusterSlots = 16384

// Cluster is a Redis Cluster of several masters (no replicas) a test owns.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts n redis-server processes in cluster mode on free
// loopback ports, splits the hash slots evenly between them, joins them,
// and returns once every node reports cluster_state:ok. It skips like
// Start when the binary is missing; CHANX_TEST_REDIS_URL does not apply.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if n < 1 {
		t.Fatalf("testredis: StartCluster(%d): need at least one node", n)
	}
	bin := lookBinary(t)
	c := &Cluster{}
	for range n {
		c.Nodes = append(c.Nodes, startOwn(t, bin,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000",
		))
	}
	for i, node := range c.Nodes {
		first, last := i*clusterSlots/n, (i+1)*clusterSlots/n-1
		args := []string{"CLUSTER", "ADDSLOTS"} // not ADDSLOTSRANGE, which needs Redis 7
		for slot := first; slot <= last; slot++ {
			args = append(args, strconv.Itoa(slot))
		}
		if err := expectOK(node.addr, args...); err != nil {
			t.Fatalf("testredis: cluster: %v", err)
		}
		if i > 0 {
			host, port, _ := net.SplitHostPort(node.addr)
			if err := expectOK(c.Nodes[0].addr, "CLUSTER", "MEET", host, port); err != nil {
				t.Fatalf("testredis: cluster: %v", err)
			}
		}
	}
	deadline := time.Now().Add(startTimeout)
	for _, node := range c.Nodes {
		for {
			info, err := command(node.addr, "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", n)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("testredis: cluster of %d did not become ready within %v: %v %s", n, startTimeout, err, info)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return c
}

// URL is a redis:// URL naming every node, which rueidis reads as a
// cluster seed list.
func (c *Cluster) URL() string {
	u := "redis://" + c.Nodes[0].addr
	for i, node := range c.Nodes[1:] {
		if i == 0 {
			u += "?"
		} else {
			u += "&"
		}
		u += "addr=" + node.addr
	}
	return u
}

func expectOK(addr string, args ...string) error {
	got, err := command(addr, args...)
	if err != nil {
		return err
	}
	if got != "OK" {
		return fmt.Errorf("%s on %s: got %q", strings.Join(args, " "), addr, got)
	}
	return nil
}

// command sends one command in RESP and returns a simple or bulk string
// reply; an error reply becomes an error.
func command(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "-"):
		return "", fmt.Errorf("%s on %s: %s", strings.Join(args, " "), addr, line[1:])
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("%s on %s: bad bulk length %q", strings.Join(args, " "), addr, line)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("%s on %s: unexpected reply %q", strings.Join(args, " "), addr, line)
}
