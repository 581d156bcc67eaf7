// Package wire holds the chanx wire protocol shared by the server, the
// client and generated code: frame shape {"action": ..., "payload": ...},
// the built-in actions, the error frames (validation problems, handler
// failure, authentication), the discriminator peek (Peek, which also bounds
// nesting depth), the snake_case ⇄ camelCase key conversion and the
// Validator contract generated validators implement. It is the bottom of
// the runtime: everything under runtime/ may import it; it imports none of
// them.
package wire
