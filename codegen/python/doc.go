// Package python is the Python target of 'chanx gen client --lang python'
// and 'chanx generate-client': from an API it generates a package of
// Pydantic v2 models and one client class per channel over the client
// runtime in templates/python/base, laid out as Python Chanx's generator
// lays it out (DIR/__init__.py, README.md, base/, shared/ for messages
// several channels use, and <channel>/__init__.py, messages.py,
// client.py).
//
// It sits after the neutral layers and decides nothing they decide:
// codegen/shape says what each schema is (object, tagged or untagged
// union, enum, nullable, list, map, tuple, scalar with its constraints)
// and codegen/plan which messages each channel's client sends and
// receives, which member tells them apart, which requests await which
// reply and which replies are streams (plan.Stream: a stream_<message>()
// method returning base.ReplyStream, whose cancel sends the
// x-chanx-cancels message). This package only names and renders: classes
// named after their schemas (else their message or their place), fields
// after their wire names (made Python identifiers, with aliases keeping
// the wire names), constants and one-value enums as Literal members with
// their value as default, tagged unions as Field(discriminator=...),
// checks as Field(...) arguments, recursion through forward references
// and model_rebuild().
//
// The view models (fileView, readmeView) hold the statements already
// laid out the way black and ruff format them; the templates under
// templates/python put them together. Generate is a pure function;
// writing, formatting with ruff or black, and keeping base/ on
// regeneration belong to cmd/chanx.
package python
