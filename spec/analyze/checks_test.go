package analyze

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAddressParams(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want string
	}{
		{"", "[]"},
		{"/ws/chat/", "[]"},
		{"ws/chat/{room_name}", "[room_name]"},
		{"/ws/{a}/{b}/x{c}y", "[a b c]"},
		{"adeo-{env}-case-study-{version}", "[env version]"},
		{"/rooms/{room", "error: { without a matching }"},
		{"/rooms/{a{b}}", "error: { without a matching }"},
		{"/rooms/}", "error: } without a matching {"},
		{"/rooms/{}", "error: empty parameter name {}"},
	} {
		names, err := addressParams(tc.addr)
		got := fmt.Sprint(names)
		if names == nil {
			got = "[]"
		}
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tc.want {
			t.Errorf("addressParams(%q) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

func TestIdentKey(t *testing.T) {
	got := map[string]string{}
	for _, n := range []string{"user_signup", "user-signup", "UserSignup", "userSignup", "USER SIGNUP", "user.signup.v2", "Überweisung", "$"} {
		got[n] = identKey(n)
	}
	want := map[string]string{
		"user_signup": "usersignup", "user-signup": "usersignup", "UserSignup": "usersignup", "userSignup": "usersignup",
		"USER SIGNUP": "usersignup", "user.signup.v2": "usersignupv2", "Überweisung": "überweisung", "$": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identKey (-want +got):\n%s", diff)
	}
}
