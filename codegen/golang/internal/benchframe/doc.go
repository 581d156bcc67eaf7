// Package benchframe holds code chanx generated from
// codegen/golang/testdata/bench/frame.json, committed so that benchmarks
// can compare generated validators with santhosh-tekuri/jsonschema on the
// same frames. TestBenchFrameIsCurrent in codegen/golang keeps it in step
// with the generator.
package benchframe
