// Package testredis gives tests a redis-server of their own: Start launches
// one on a free loopback port with persistence off and a temporary
// directory, and stops it when the test ends. Kill and Restart (same port)
// let tests simulate an outage.
//
// Environment:
//   - CHANX_TEST_REDIS_URL: use that server instead of starting one; Kill
//     and Restart then skip the test, since they would disturb a server the
//     test does not own.
//   - CHANX_TEST_REDIS=required: fail instead of skip when redis-server is
//     not on PATH (CI sets it after installing Redis).
//
// It never uses the default port 6379, which may belong to a server the
// machine runs for something else.
package testredis
