// Package wire holds the chanx wire protocol shared by the server, the
// client and generated code: frame shape {"action": ..., "payload": ...},
// the built-in actions, error frames, the discriminator peek and the
// Validator contract generated validators implement. It is the bottom of the
// runtime: everything under runtime/ may import it; it imports none of them.
package wire
