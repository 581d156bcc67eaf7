package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// buildVersion is what 'chanx --version' prints and what the generated
// headers carry, read once from the binary's build information. Tests
// replace it so goldens and committed code do not depend on how the test
// binary was built.
var buildVersion = readBuildVersion

// version is a build of chanx: Module is the module version the Go tool
// recorded ("v1.2.0" after 'go install …@v1.2.0', "(devel)" or a
// pseudo-version for a build from a clone), Revision and Modified the
// VCS stamp of a build from a clone.
type version struct {
	Module   string
	Revision string
	Modified bool
}

func readBuildVersion() version {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version{Module: "(devel)"}
	}
	v := version{Module: bi.Main.Version}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	if v.Module == "" {
		v.Module = "(devel)"
	}
	return v
}

// String is the line 'chanx --version' prints after "chanx ".
func (v version) String() string {
	s := v.Module
	if v.Revision != "" {
		s += " (revision " + v.Revision
		if v.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s
}

// Header is the version written into generated files' first line: the
// module version of a released or 'go install'ed chanx. A build from a
// clone (one the Go tool stamped with a VCS revision, or "(devel)")
// writes none, so regenerating inside a checkout leaves the committed
// code byte-identical whatever commit the binary was built from.
func (v version) Header() string {
	if v.Revision != "" || v.Module == "(devel)" || strings.HasSuffix(v.Module, "+dirty") {
		return ""
	}
	return v.Module
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the chanx version (the same as 'chanx --version')",
		Description: "Prints the module version of this chanx binary: the tag it was installed at\n" +
			"('go install github.com/chanxgo/chanx/cmd/chanx@v1.2.0' prints v1.2.0), or\n" +
			"(devel) and the VCS revision for a build from a clone. Generated files name\n" +
			"the same version on their first line; a build from a clone names none.",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return cli.Exit(fmt.Sprintf("chanx version: unexpected argument %q (see 'chanx version --help')", c.Args().First()), 2)
			}
			fmt.Fprintln(c.App.Writer, "chanx", buildVersion())
			return nil
		},
	}
}
