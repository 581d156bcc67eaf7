// Package goapi generates the Go packages people import to serve or call an
// AsyncAPI API with chanx: a server package (per channel a handler
// interface, an Unimplemented handler to embed, typed path parameters,
// typed senders and one Mount call over runtime/server, plus the embedded
// document served by runtime/apidocs) and a client package (per channel a
// client type over runtime/client with a typed Send per message the client
// may send, an IncomingMessage sealed interface and typed handlers).
//
// It sits beside codegen/golang in the pipeline: golang declares the message
// types (types.go, the same in both packages, so each package stands alone);
// goapi reads the neutral per-channel plan (codegen/plan: which messages
// each side receives and sends, routes, fallbacks, request → reply pairs,
// ping/pong, ws bindings), gives its elements Go names that cannot collide
// with those types, and renders them with the server, client and readme
// templates of the templates package. Generation is a pure function of the
// ir: GenerateServer, GenerateClient and GenerateTypes return the files and
// never touch the disk.
//
// When one module holds both sides, GenerateTypes writes the message types
// once, as a package of their own, and server and client packages generated
// with Options.TypesPackage naming it alias its types instead of declaring
// theirs (examples/chat/chattypes), so a program that is both sees one type
// per message.
//
// Topic channels (x-topic, plan.Channel.Topic) are generated per topic
// class, the channels of one x-topic name (a hub's and a dedicated
// route's): on the server a <Topic>Params struct filled from the
// pattern's parameters, a <Topic>Handler interface (Authorize,
// OnSubscribe, OnUnsubscribe and one Handle<Message> per message
// subscribers send, typed replies) with an Unimplemented<Topic>Handler to
// embed, a <Topic>Subscription with typed Send<Message>, a <Topic> pusher
// with Push<Message>(ctx, params, msg) returning the seq, and
// Mount<Topic>, which declares the class on every route serving it
// (server.Server.Hub, so a hub's own Mount finds the same channel) over
// runtime/server's topics; on the client New<Topic>Subscription and
// Subscribe<Topic> over runtime/client's subscriptions, returning a
// <Topic>Subscription with On<Message> handler setters for the pushes and
// Send<Message>/Request<Message> (replies matched by ref). The topic
// channels get no channel Mount or client of their own: their frames need
// the envelope only the topic runtime writes.
package goapi
