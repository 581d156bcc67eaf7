// Package metrics defines the small interface the runtime reports to
// (connections opened and closed, from which an open-connections gauge
// follows; frames in and out; handler durations; errors; slow clients
// dropped; layer traffic) and a no-op default. Adapters such as metrics/prommetrics live in
// their own packages so the core links no metrics library.
package metrics
