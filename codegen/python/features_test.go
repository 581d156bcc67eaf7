package python

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/pyruntime"
)

// featuresScript drives the models generated for testdata/features.yaml:
// what they accept, reject and write, by wire names.
const featuresScript = `
import json
from pydantic import ValidationError
from features.shapes import (
    Circle, Color, DrawMessage, DrawnMessage, Node, ShapesClient, Square, TreeMessage,
)
from features.audit import AuditClient, NoteMessage, PongMessage
from features.shared import PingMessage
import features.shapes.messages as shapes_messages
import features.audit.messages as audit_messages

def wire(m):
    return json.loads(ShapesClient.encode(None, m))

def rejects(f, *args, **kwargs):
    try:
        f(*args, **kwargs)
    except ValidationError:
        return
    raise AssertionError(f"{f} accepted {args} {kwargs}")

# Wire names that are not identifiers: Python names, aliases on the wire,
# both accepted on input; None optional members left out.
d = DrawMessage(shape=Circle(radius=2), user_id="ann", class_=3)
assert wire(d) == {"action": "draw", "shape": {"kind": "circle", "radius": 2.0}, "user-id": "ann", "class": 3, "label": None, "size": 1.5}, wire(d)
assert DrawMessage.model_validate({"shape": {"kind": "square", "side": 1}, "user-id": "bob"}).user_id == "bob"
assert wire(DrawMessage(shape=Square(side=1), color=Color.DARK_BLUE))["color"] == "dark-blue"
# The tagged union picks by kind; checks hold.
assert isinstance(DrawMessage.model_validate({"shape": {"kind": "square", "side": 1}}).shape, Square)
rejects(DrawMessage.model_validate, {"shape": {"kind": "triangle"}})
rejects(lambda: Circle(radius=-1))
rejects(DrawMessage, shape=Circle(radius=1), user_id="ANN")
rejects(DrawMessage, shape=Circle(radius=1), class_=11)
rejects(DrawMessage, shape=Circle(radius=1), size=0)
rejects(DrawMessage, shape=Circle(radius=1), label="x" * 21)
rejects(NoteMessage, text="")
rejects(NoteMessage, text="a", tags=["toolongtag"])
rejects(NoteMessage, text="a", tags=["a", "b", "c", "d"])
# Recursion.
t = ShapesClient.incoming_adapter.validate_python({"action": "tree", "root": {"name": "a", "children": [{"name": "b"}]}})
assert isinstance(t, TreeMessage) and isinstance(t.root.children[0], Node), t
assert json.loads(ShapesClient.encode(None, t)) == {"action": "tree", "root": {"name": "a", "children": [{"name": "b"}]}}
# The incoming union is discriminated by action; a shared message is one class.
assert isinstance(ShapesClient.incoming_adapter.validate_python({"action": "drawn", "id": 1}), DrawnMessage)
assert isinstance(AuditClient.incoming_adapter.validate_python({"action": "pong"}), PongMessage)
rejects(ShapesClient.incoming_adapter.validate_python, {"action": "draw", "shape": {"kind": "square", "side": 1}})
assert shapes_messages.PingMessage is audit_messages.PingMessage is PingMessage
# URLs: path parameters escaped.
assert ShapesClient("localhost:1", path_params={"id": "a b/c"}).url == "ws://localhost:1/ws/shapes/a%20b%2Fc"
print("ok")
`

// TestFeatures: the models generated for testdata/features.yaml behave as
// the document says.
func TestFeatures(t *testing.T) {
	py := pyruntime.Find(t)
	api := gentest.Load(t, filepath.Join("testdata", "features.yaml"))
	files, err := Generate(context.Background(), api, Options{Package: "features"})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	writeFiles(t, filepath.Join(root, "features"), files)
	if out := py.Run(t, py.Env(root), "-W", "error", "-c", featuresScript); strings.TrimSpace(out) != "ok" {
		t.Fatalf("python3: %s", out)
	}
}
