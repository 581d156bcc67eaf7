// Package metrics defines the small counter interface the runtime reports
// to (connections, frames in and out, errors, slow clients dropped, layer
// traffic) and a no-op default. Adapters such as metrics/prommetrics live in
// their own packages so the core links no metrics library.
package metrics
